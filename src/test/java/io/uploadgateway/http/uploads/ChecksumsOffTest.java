package io.uploadgateway.http.uploads;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A store profile without additional checksums ({@code GATEWAY_STORE_ADDITIONAL_CHECKSUMS=false}):
 * asking for one is a clear 400 {@code checksums_unsupported}, nothing is created; Content-MD5,
 * which every store checks, still works.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = @ResourceArg(name = "gateway.store.additional-checksums", value = "false"))
class ChecksumsOffTest {

    @Test
    void askingForAnAdditionalChecksumIsA400AndMd5StillWorks() {
        Gateway client = Gateway.as("no-crc-" + UUID.randomUUID());
        client.api().body(Map.of("filename", "a.bin", "size", 10, "checksumAlgorithm", "SHA256")).post("/api/v1/uploads")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("checksums_unsupported"))
                .body("detail", containsString("contentMd5"));
        client.api().get("/api/v1/uploads").then().statusCode(200).body("items.size()", equalTo(0));

        byte[] body = Bytes.random(100, 3);
        String id = client.start("b.bin", body.length, null).getString("id");
        client.api().body(Map.of("parts", List.of(Map.of("partNumber", 1, "checksum", IntegrityTest.sha256(body)))))
                .post("/api/v1/uploads/" + id + "/presign")
                .then().statusCode(400).body("code", equalTo("checksums_unsupported"));

        String url = client.api().body(Map.of("parts", List.of(Map.of("partNumber", 1, "contentMd5", IntegrityTest.md5(body)))))
                .post("/api/v1/uploads/" + id + "/presign").then().statusCode(200).extract().path("urls[0].url");
        Map<String, String> headers = Map.of("Content-Length", "100", "Content-MD5", IntegrityTest.md5(body));
        assertEquals(200, Gateway.put(new Gateway.PresignedUrl(url, "PUT", headers), body).status());
        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));
    }
}
