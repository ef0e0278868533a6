package io.uploadgateway.pages;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.embedded.EmbeddedClamd;
import io.uploadgateway.support.Chromium;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pages with a processing stage (a real clamd that knows the EICAR signature): the admin page
 * holds back PROCESSING and QUARANTINED uploads and releases or deletes the quarantined ones; the
 * uploader shows a file as scanning until the gateway serves it, or says it was not accepted.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.SCAN, value = "clamd"),
        @ResourceArg(name = "gateway.processing.poll", value = "PT0.2S")})
class ProcessingPagesBrowserTest {

    private static final Duration SETTLED = Duration.ofSeconds(30);
    private static final byte[] EICAR = EmbeddedClamd.EICAR.getBytes(StandardCharsets.US_ASCII);

    @TestHTTPResource("/admin.html")
    URL adminPage;

    @TestHTTPResource("/")
    URL uploaderPage;

    EmbeddedClamd clamd;

    private final Gateway admin = Gateway.withToken(Tokens.forAdmin("ops"));

    @Test
    void theAdminPageListsHeldBackUploadsAndReleasesOrDeletesTheQuarantinedOnes() throws Exception {
        String owner = "held-" + UUID.randomUUID().toString().substring(0, 8);
        Gateway client = Gateway.as(owner);
        String released = client.uploadWhole("invoice.txt", EICAR);
        String deleted = client.uploadWhole("setup-notes.txt", EICAR);
        client.complete(released).then().statusCode(200).body("state", equalTo("PROCESSING"));
        client.complete(deleted).then().statusCode(200).body("state", equalTo("PROCESSING"));
        client.awaitState(released, "QUARANTINED", SETTLED);
        client.awaitState(deleted, "QUARANTINED", SETTLED);
        String waiting = client.uploadWhole("minutes.txt", "minutes of the meeting\n".repeat(100).getBytes(StandardCharsets.UTF_8));

        clamd.stop(); // the scan cannot give a verdict: the upload waits in PROCESSING
        try (Chromium chromium = Chromium.start()) {
            client.complete(waiting).then().statusCode(200).body("state", equalTo("PROCESSING"));
            Awaitility.await("a failed scan attempt").atMost(SETTLED).pollInterval(Duration.ofMillis(100))
                    .until(() -> admin.api().get("/api/v1/admin/uploads?state=PROCESSING&owner=" + owner).then().statusCode(200)
                            .extract().<Integer>path("items[0].processingAttempts") >= 1);

            ChromeDriver driver = chromium.driver();
            var wait = new WebDriverWait(driver, Duration.ofSeconds(20));
            driver.get(adminPage.toString());
            WebElement name = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dev-user")));
            name.sendKeys("ops");
            name.submit();

            String processing = wait.until(ExpectedConditions.visibilityOfElementLocated(heldRow(waiting))).getText();
            assertTrue(processing.contains(owner) && processing.contains("minutes.txt")
                    && processing.contains("Waiting for its first step") && processing.contains("without a verdict")
                    && processing.contains("ago"), processing);
            assertTrue(driver.findElement(heldRow(waiting)).findElements(By.cssSelector("button")).stream()
                    .noneMatch(WebElement::isDisplayed), "a processing upload offers no action: " + processing);

            WebElement quarantined = wait.until(ExpectedConditions.visibilityOfElementLocated(heldRow(released)));
            String text = quarantined.getText();
            assertTrue(text.contains(owner) && text.contains("invoice.txt") && text.contains("Quarantined")
                    && text.contains("scan: " + EmbeddedClamd.SIGNATURE) && text.contains("object kept"), text);
            String keptAt = quarantined.findElement(By.cssSelector(".object")).getAttribute("title");
            assertTrue(keptAt.startsWith("uploads/quarantine/"), keptAt);
            // Processing rows come first.
            List<String> order = driver.findElements(By.cssSelector("#held-rows tr .id")).stream().map(WebElement::getText)
                    .filter(id -> List.of(waiting, released, deleted).contains(id)).toList();
            assertEquals(waiting, order.get(0), "order: " + order);
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("stat-processing-box")));
            String count = driver.findElement(By.id("stat-quarantined")).getText();
            assertTrue(driver.findElement(By.id("stat-quarantined-box")).isDisplayed() && count.matches("\\d+"), count);
            driver.executeScript("document.getElementById('held').scrollIntoView()");
            Files.write(Files.createDirectories(Path.of("target", "screenshots")).resolve("admin-held-back.png"),
                    driver.getScreenshotAs(OutputType.BYTES));

            // Release: it is served, so it leaves the list.
            quarantined.findElement(By.cssSelector("button.release")).click();
            wait.until(ExpectedConditions.alertIsPresent()).accept();
            wait.until(ExpectedConditions.invisibilityOfElementLocated(heldRow(released)));
            client.get(released).then().statusCode(200).body("state", equalTo("COMPLETED"));
            String url = client.api().get("/api/v1/uploads/" + released + "/download").then().statusCode(200).extract().path("url");
            assertArrayEquals(EICAR, Gateway.download(url).body());

            // Delete object: the upload stays quarantined, without its object and without a Release button.
            driver.findElement(heldRow(deleted)).findElement(By.cssSelector("button.delete")).click();
            wait.until(ExpectedConditions.alertIsPresent()).accept();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(heldRow(deleted), "object deleted"));
            WebElement gone = driver.findElement(heldRow(deleted));
            assertTrue(gone.getText().contains("scan: " + EmbeddedClamd.SIGNATURE), gone.getText());
            assertFalse(gone.findElement(By.cssSelector("button.release")).isDisplayed(), "no Release once the object is deleted");
            assertFalse(gone.findElement(By.cssSelector("button.delete")).isDisplayed());
            admin.api().get("/api/v1/admin/uploads?state=QUARANTINED&owner=" + owner).then().statusCode(200)
                    .body("items.size()", equalTo(1)).body("items[0].id", equalTo(deleted))
                    .body("items[0].quarantineKey", equalTo(null));
            assertFalse(driver.findElement(By.id("page-error")).isDisplayed(), driver.findElement(By.id("page-error")).getText());
        } finally {
            clamd.start();
        }
    }

    @Test
    void theUploaderShowsScanningUntilServedAndSaysWhenAFileIsNotAccepted() throws Exception {
        Path files = Files.createTempDirectory("processing-page-files");
        byte[] clean = "agenda: processing stage\n".repeat(2000).getBytes(StandardCharsets.UTF_8);
        Path agenda = Files.write(files.resolve("agenda.txt"), clean);
        Path eicar = Files.write(files.resolve("eicar-test.txt"), EICAR);
        String user = "scanned-" + UUID.randomUUID().toString().substring(0, 8);

        try (Chromium chromium = Chromium.start()) {
            UploaderPage page = new UploaderPage(chromium.driver(), uploaderPage).open("", user);

            page.choose(agenda);
            // Completed in storage, not yet served: the page says so and asks again until it is.
            page.waitUntil("agenda.txt scanning", SETTLED, () -> String.valueOf(page.item("agenda.txt")),
                    d -> List.of("Scanning…", "Scanning 1 file").equals(statusAndSummary(page, "agenda.txt")));
            assertFalse(page.row("agenda.txt").findElement(By.cssSelector(".action-download")).isDisplayed(),
                    "no download while scanning");
            page.screenshot("uploader-scanning");
            Map<String, Object> served = page.waitForState("agenda.txt", "completed", SETTLED);
            WebElement row = page.row("agenda.txt");
            assertEquals("Done", row.findElement(By.cssSelector(".file-status")).getText());
            assertTrue(row.findElement(By.cssSelector(".action-download")).isDisplayed());
            assertEquals("File uploaded", page.text("summary-title"));
            assertArrayEquals(clean, Gateway.download((String) served.get("download")).body());
            Gateway.as(user).get((String) served.get("id")).then().body("state", equalTo("COMPLETED"))
                    .body("processing[0].verdict", equalTo("PASSED"));

            page.choose(eicar);
            page.waitUntil("eicar-test.txt not accepted", SETTLED, () -> String.valueOf(page.item("eicar-test.txt")),
                    d -> List.of("Not accepted", "1 file not accepted").equals(statusAndSummary(page, "eicar-test.txt")));
            WebElement refused = page.row("eicar-test.txt");
            String message = refused.findElement(By.cssSelector(".file-error")).getText();
            assertTrue(message.startsWith("Not accepted: scan: " + EmbeddedClamd.SIGNATURE), message);
            assertEquals("quarantined", refused.getAttribute("data-state"));
            for (String action : List.of(".action-resume", ".action-download", ".action-cancel")) {
                assertFalse(refused.findElement(By.cssSelector(action)).isDisplayed(), action + " on a file not accepted");
            }
            assertTrue(refused.findElement(By.cssSelector(".action-remove")).isDisplayed());
            Gateway.as(user).get((String) page.item("eicar-test.txt").get("id")).then().body("state", equalTo("QUARANTINED"));
            page.screenshot("uploader-not-accepted");
        }
    }

    /** The file's status pill and the summary's title, read at one moment. */
    private static Object statusAndSummary(UploaderPage page, String filename) {
        return page.script("""
                const row = [...document.querySelectorAll('#file-list .file')]
                  .find(r => r.querySelector('.file-name').textContent === arguments[0]);
                return row ? [row.querySelector('.file-status').textContent,
                  document.getElementById('summary-title').textContent] : null;""", filename);
    }

    private static By heldRow(String id) {
        return By.xpath("//tbody[@id='held-rows']/tr[.//*[contains(@class,'id') and text()='" + id + "']]");
    }
}
