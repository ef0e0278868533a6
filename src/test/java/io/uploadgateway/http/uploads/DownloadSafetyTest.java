package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A download never lets a browser render an uploaded page or script from the bucket's origin. */
@QuarkusTest
@WithTestResource(TestStack.class)
class DownloadSafetyTest {

    @Test
    void htmlIsNeverServedInlineNorAsHtml() {
        Gateway client = Gateway.as("mallory");
        byte[] page = "<html><script>alert(document.cookie)</script></html>".getBytes(StandardCharsets.UTF_8);
        String id = client.api().body(Map.of("filename", "invoice.html", "size", page.length, "contentType", "text/html"))
                .post("/api/v1/uploads").then().statusCode(201).extract().path("id");
        client.uploadPart(id, 1, page);
        client.complete(id).then().statusCode(200);

        client.api().queryParam("disposition", "inline").get("/api/v1/uploads/" + id + "/download").then()
                .statusCode(400).body("code", equalTo("invalid_request"));

        String url = client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(200).extract().path("url");
        Gateway.Downloaded download = Gateway.download(url);
        assertEquals(200, download.status());
        assertEquals("application/octet-stream", download.headers().firstValue("Content-Type").orElse(""));
        assertTrue(download.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment;"));
    }
}
