package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole happy path with real bytes: start, presign, PUT to S3, record, complete, download. */
@QuarkusTest
@WithTestResource(TestStack.class)
class UploadFlowTest {

    private static final int MIB = 1024 * 1024;

    @Test
    void threePartUploadWithShortLastPartDownloadsTheSameBytes() {
        Gateway alice = Gateway.as("alice");
        byte[] file = Bytes.random(2 * 5 * MIB + 1234, 42);
        JsonPath started = alice.start("holiday vidéo 2026.mp4", file.length, (long) 5 * MIB);
        String id = started.getString("id");
        assertEquals("UPLOADING", started.getString("state"));
        assertEquals(3, started.getInt("partCount"));
        assertEquals(5 * MIB, started.getLong("partSize"));
        assertEquals(List.of(1, 2, 3), started.getList("missingParts", Integer.class));
        // <prefix>/<deployment id>/<owner segment>/<upload id>/<filename> (PackagedAppIT runs this too: no injection)
        assertTrue(started.getString("key").matches("uploads/[a-z0-9]{12}/"
                        + java.util.regex.Pattern.quote(io.uploadgateway.upload.ObjectKeys.ownerSegment("alice") + "/" + id + "/") + ".+"),
                started.getString("key"));

        Map<Integer, Gateway.PresignedUrl> urls = alice.presign(id, List.of(1, 2, 3), 600L);
        assertEquals(String.valueOf(5 * MIB), urls.get(1).headers().get("Content-Length"));
        assertEquals("1234", urls.get(3).headers().get("Content-Length"));
        for (int n = 1; n <= 3; n++) {
            byte[] part = Arrays.copyOfRange(file, (n - 1) * 5 * MIB, Math.min(file.length, n * 5 * MIB));
            Gateway.S3Answer answer = Gateway.put(urls.get(n), part);
            assertEquals(200, answer.status(), answer.body());
            assertNotNull(answer.etag());
            alice.record(id, n, answer.etag()).then().statusCode(200)
                    .body("partNumber", equalTo(n)).body("size", equalTo(part.length)).body("etag", equalTo(answer.etag()));
        }
        alice.get(id).then().statusCode(200)
                .body("bytesUploaded", equalTo(file.length))
                .body("missingParts", empty())
                .body("parts.size()", equalTo(3));

        alice.complete(id).then().statusCode(200)
                .body("state", equalTo("COMPLETED"))
                .body("etag", startsWith("\""))
                .body("location", equalTo("s3://" + TestStack.BUCKET + "/" + started.getString("key")));

        String url = alice.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(200)
                .body("expiresAt", containsString("T")).extract().path("url");
        Gateway.Downloaded download = Gateway.download(url);
        assertEquals(200, download.status());
        assertEquals(Bytes.sha256(file), Bytes.sha256(download.body()));
        String disposition = download.headers().firstValue("Content-Disposition").orElse("");
        assertTrue(disposition.startsWith("attachment; filename=\"holiday vid_o 2026.mp4\""), disposition);
        assertTrue(disposition.contains("filename*=UTF-8''holiday%20vid%C3%A9o%202026.mp4"), disposition);
    }

    @Test
    void inlineDownloadCarriesTheStoredContentTypeAndMetadata() {
        Gateway alice = Gateway.as("alice");
        byte[] file = "%PDF-1.7 tiny".getBytes();
        String id = alice.api().body(Map.of("filename", "report.pdf", "size", file.length, "contentType", "application/pdf",
                        "metadata", Map.of("department", "finance")))
                .post("/api/v1/uploads").then().statusCode(201).body("metadata.department", equalTo("finance"))
                .extract().path("id");
        alice.uploadPart(id, 1, file);
        alice.complete(id).then().statusCode(200);

        String url = alice.api().queryParam("disposition", "inline").get("/api/v1/uploads/" + id + "/download")
                .then().statusCode(200).extract().path("url");
        Gateway.Downloaded download = Gateway.download(url);
        assertEquals(200, download.status());
        assertEquals("application/pdf", download.headers().firstValue("Content-Type").orElse(""));
        assertTrue(download.headers().firstValue("Content-Disposition").orElse("").startsWith("inline;"));
        assertEquals("finance", download.headers().firstValue("x-amz-meta-department").orElse(""));
        alice.get(id).then().body("metadata.department", equalTo("finance"));
    }
}
