package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A client that lost its ETags (app killed after the PUTs) resumes from the server's record alone. */
@QuarkusTest
@WithTestResource(TestStack.class)
class ResumeTest {

    private static final int MIB = 1024 * 1024;

    @Test
    void syncAdoptsPartsTheClientNeverReported() {
        Gateway phone = Gateway.as("mobile-user");
        byte[] file = Bytes.random(3 * 5 * MIB - 17, 7);
        String id = phone.start("scan.tiff", file.length, (long) 5 * MIB).getString("id");

        // Parts 1 and 3 reach S3, but the app dies before telling the gateway.
        Map<Integer, Gateway.PresignedUrl> urls = phone.presign(id, List.of(1, 3), null);
        assertEquals(200, Gateway.put(urls.get(1), part(file, 1)).status());
        Gateway.S3Answer third = Gateway.put(urls.get(3), part(file, 3));
        assertEquals(200, third.status());

        // Without sync the ledger knows nothing; with sync it reflects S3.
        phone.get(id).then().statusCode(200).body("missingParts", equalTo(List.of(1, 2, 3)));
        phone.sync(id).then().statusCode(200)
                .body("missingParts", equalTo(List.of(2)))
                .body("parts.partNumber", equalTo(List.of(1, 3)))
                .body("parts[1].etag", equalTo(third.etag()))
                .body("bytesUploaded", equalTo(5 * MIB + (file.length - 10 * MIB)));
        // The reconciled ledger is durable: a plain read now shows the same.
        phone.get(id).then().body("missingParts", equalTo(List.of(2)));

        // Send only what is missing, then complete.
        phone.uploadPart(id, 2, part(file, 2));
        phone.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED")).body("size", equalTo(file.length));
        String url = phone.api().get("/api/v1/uploads/" + id + "/download").then().extract().path("url");
        assertEquals(Bytes.sha256(file), Bytes.sha256(Gateway.download(url).body()));
    }

    @Test
    void syncDropsLedgerPartsThatStorageDoesNotHave() {
        Gateway client = Gateway.as("mobile-user");
        String id = client.start("notes.txt", 100, null).getString("id");
        client.record(id, 1, "\"0123456789abcdef0123456789abcdef\"").then().statusCode(200);
        client.get(id).then().body("missingParts", equalTo(List.of()));

        client.sync(id).then().statusCode(200).body("missingParts", equalTo(List.of(1))).body("bytesUploaded", equalTo(0));
    }

    @Test
    void completeUsesStoragesViewWhereTheClientNeverReported() {
        Gateway client = Gateway.as("mobile-user");
        byte[] file = Bytes.random(6 * MIB, 3);
        String id = client.start("backup.tar", file.length, (long) 5 * MIB).getString("id");
        Map<Integer, Gateway.PresignedUrl> urls = client.presign(id, List.of(1, 2), null);
        assertEquals(200, Gateway.put(urls.get(1), part(file, 1)).status());
        assertEquals(200, Gateway.put(urls.get(2), Arrays.copyOfRange(file, 5 * MIB, file.length)).status());

        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"))
                .body("parts.size()", equalTo(2)).body("missingParts", equalTo(List.of()));
    }

    private static byte[] part(byte[] file, int n) {
        return Arrays.copyOfRange(file, (n - 1) * 5 * MIB, Math.min(file.length, n * 5 * MIB));
    }
}
