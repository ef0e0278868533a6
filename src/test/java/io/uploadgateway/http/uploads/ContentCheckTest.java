package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.net.URL;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** With GATEWAY_VERIFY_CONTENT: the completed object's first bytes must be what was declared, and allowed. */
@QuarkusTest
@WithTestResource(TestStack.class)
@TestProfile(ContentCheckTest.VerifyContent.class)
class ContentCheckTest {

    public static class VerifyContent implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.verify-content", "true",
                    "gateway.allowed-content-types", "video/*,image/*,application/pdf,application/octet-stream");
        }
    }

    static final byte[] MP4_HEAD = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'i', 's', 'o', '2'};
    static final byte[] PNG_HEAD = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R'};
    static final byte[] ZIP_HEAD = {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0};

    @Inject
    S3AsyncClient s3;

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @Test
    void aDisallowedDeclaredTypeIs415AndNothingIsCreated() {
        Gateway client = Gateway.as("typist-" + UUID.randomUUID());
        client.api().body(Map.of("filename", "setup.exe", "size", 100, "contentType", "application/x-msdownload"))
                .post("/api/v1/uploads").then().statusCode(415).contentType("application/problem+json")
                .body("code", equalTo("unsupported_content_type"));
        client.api().get("/api/v1/uploads").then().statusCode(200).body("items.size()", equalTo(0));
    }

    @Test
    void aZipDeclaredAsVideoIsRejectedAfterCompleteAndTheObjectIsGone() {
        Gateway client = Gateway.as("renamer-" + UUID.randomUUID());
        byte[] zip = padded(ZIP_HEAD, 4000);
        String id = start(client, "holiday.mp4", "video/mp4", zip.length);
        client.uploadPart(id, 1, zip);

        client.complete(id).then().statusCode(422).contentType("application/problem+json")
                .body("code", equalTo("content_mismatch"))
                .body("declaredContentType", equalTo("video/mp4"))
                .body("detectedContentType", equalTo("application/zip"));
        String key = client.get(id).then().statusCode(200).body("state", equalTo("REJECTED"))
                .body("detectedContentType", equalTo("application/zip")).extract().path("key");
        CompletionException gone = assertThrows(CompletionException.class,
                () -> s3.headObject(r -> r.bucket(TestStack.BUCKET).key(key)).join());
        assertInstanceOf(NoSuchKeyException.class, gone.getCause());

        // The verdict stands on retry, and a rejected upload is never downloadable.
        client.complete(id).then().statusCode(422).body("code", equalTo("content_mismatch"));
        client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(409).body("code", equalTo("upload_not_active"));
        given().get(metrics).then().body(containsString("gateway_uploads_rejected_total"));
    }

    @Test
    void realVideoAndImageHeadersPass() {
        Gateway client = Gateway.as("honest-" + UUID.randomUUID());
        byte[] video = padded(MP4_HEAD, 5000);
        String movie = start(client, "clip.mp4", "video/mp4", video.length);
        client.uploadPart(movie, 1, video);
        client.complete(movie).then().statusCode(200).body("state", equalTo("COMPLETED"));

        byte[] image = padded(PNG_HEAD, 300);
        String picture = start(client, "dot.png", "image/png", image.length);
        client.uploadPart(picture, 1, image);
        client.complete(picture).then().statusCode(200).body("state", equalTo("COMPLETED"));
    }

    private static String start(Gateway client, String filename, String contentType, int size) {
        return client.api().body(Map.of("filename", filename, "size", size, "contentType", contentType))
                .post("/api/v1/uploads").then().statusCode(201).extract().path("id");
    }

    private static byte[] padded(byte[] head, int length) {
        byte[] bytes = Arrays.copyOf(head, length);
        for (int i = head.length; i < length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        return bytes;
    }
}
