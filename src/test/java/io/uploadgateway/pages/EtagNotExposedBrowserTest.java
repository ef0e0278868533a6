package io.uploadgateway.pages;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Chromium;
import io.quarkus.test.common.ResourceArg;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Gateway;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against a bucket whose CORS rule hides ETag, the uploader stops and says exactly what to fix. */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = @ResourceArg(name = TestStack.ETAG, value = "hidden"))
class EtagNotExposedBrowserTest {

    @TestHTTPResource("/")
    URL base;

    @Test
    void explainsTheMissingCorsExposeHeader() throws Exception {
        Path file = Files.createTempDirectory("etag-test").resolve("report.pdf");
        Files.write(file, Bytes.random(64 * 1024, 7));
        String user = "cors-" + UUID.randomUUID().toString().substring(0, 8);

        try (Chromium chromium = Chromium.start()) {
            UploaderPage page = new UploaderPage(chromium.driver(), base);
            page.open("", user);
            page.choose(file);
            Map<String, Object> failed = page.waitForState("report.pdf", "error", Duration.ofSeconds(30));

            String error = String.valueOf(failed.get("error"));
            assertTrue(error.startsWith("EtagNotExposedError"), error);
            String shown = page.row("report.pdf").findElement(By.cssSelector(".file-error")).getText();
            assertTrue(shown.contains("ETag") && shown.contains("CORS"), "the page tells the user: " + shown);
            // S3 did store the part; the gateway never got a record of it, and nothing was completed.
            String id = (String) failed.get("id");
            Gateway.as(user).get(id).then().statusCode(200).body("state", equalTo("UPLOADING"))
                    .body("parts.size()", equalTo(0));
            Gateway.as(user).sync(id).then().statusCode(200).body("parts.size()", equalTo(1));
        }
    }
}
