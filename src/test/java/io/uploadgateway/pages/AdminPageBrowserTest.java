package io.uploadgateway.pages;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.support.Chromium;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.TestClock;
import io.uploadgateway.support.Tokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operators' page in a real browser: stalled uploads of every owner are listed, Abort aborts, usage is shown. */
@QuarkusTest
// A stack of its own: the page lists every owner's stalled uploads, most idle first, and the
// shared stack holds hundreds from other tests, older than these.
// A second store, chosen by the token's tenant claim: the page says which store an upload is in.
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.OWN, value = "admin-page"),
        @ResourceArg(name = TestStack.SECOND_STORE, value = "eu"),
        @ResourceArg(name = "gateway.store-claim", value = "tenant"),
        @ResourceArg(name = "gateway.store-by-claim.acme", value = "eu")})
class AdminPageBrowserTest {

    @TestHTTPResource("/admin.html")
    URL adminPage;

    @AfterEach
    void resetClock() {
        TestClock.reset();
    }

    @Test
    void listsStalledUploadsAndAbortsOne() throws Exception {
        String owner = "maria-" + UUID.randomUUID().toString().substring(0, 8);
        Gateway maria = Gateway.as(owner);
        String stalled = maria.start("wedding-video-4k.mov", 8L * 1024 * 1024 * 1024, null).getString("id");
        maria.uploadPart(stalled, 1, new byte[16 * 1024 * 1024]);
        String tenant = "acme-" + UUID.randomUUID().toString().substring(0, 8);
        Gateway acme = Gateway.withToken(Tokens.sign(Tokens.claims(tenant, Set.of("user"), Instant.now().plusSeconds(3600),
                TestStack.ISSUER).audience(TestStack.AUDIENCE).claim("tenant", "acme")));
        String inEu = acme.start("scan.tif", 1000, null).getString("id");
        TestClock.advance(Duration.ofHours(3)); // past gateway.stalled-after (PT1H) as the gateway sees it

        try (Chromium chromium = Chromium.start()) {
            var driver = chromium.driver();
            var wait = new WebDriverWait(driver, Duration.ofSeconds(20));
            driver.get(adminPage.toString());
            WebElement name = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dev-user")));
            name.sendKeys("ops");
            name.submit();

            By row = By.xpath("//tr[.//*[contains(@class,'id') and text()='" + stalled + "']]");
            WebElement listed = wait.until(ExpectedConditions.visibilityOfElementLocated(row));
            String text = listed.getText();
            assertTrue(text.contains(owner) && text.contains("wedding-video-4k.mov") && text.contains("1/512 parts"), text);
            assertFalse(text.contains("store "), "the default store goes unsaid: " + text);
            String euRow = wait.until(ExpectedConditions.visibilityOfElementLocated(
                    By.xpath("//tr[.//*[contains(@class,'id') and text()='" + inEu + "']]"))).getText();
            assertTrue(euRow.contains("store eu") && euRow.contains(tenant), euRow);
            String stores = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("store-stats"))).getText();
            assertTrue(stores.contains("Store eu") && stores.contains("Store default"), stores);
            Path shots = Path.of("target", "screenshots");
            Files.createDirectories(shots);
            Files.write(shots.resolve("admin-stalled.png"), driver.getScreenshotAs(OutputType.BYTES));

            listed.findElement(By.cssSelector("button.abort")).click();
            wait.until(ExpectedConditions.alertIsPresent()).accept();
            wait.until(ExpectedConditions.invisibilityOfElementLocated(row));
        }
        maria.get(stalled).then().statusCode(200).body("state", equalTo("ABORTED"));
    }

    /** A phone's upload that waits for server-side completion says so; owners' usage sits beside their limits; nothing is held back. */
    @Test
    void showsServerSideCompletionAndQuotaUsage() throws Exception {
        String owner = "phone-" + UUID.randomUUID().toString().substring(0, 8);
        Gateway phone = Gateway.as(owner);
        String waiting = phone.api().body(Map.of("filename", "IMG_7.MOV", "size", 100, "autoComplete", true))
                .post("/api/v1/uploads").then().statusCode(201).extract().path("id");
        Gateway.withToken(Tokens.forAdmin("ops")).api().body(Map.of("maxActiveUploads", 3))
                .put("/api/v1/admin/quotas/" + owner).then().statusCode(200);
        TestClock.advance(Duration.ofHours(3));

        try (Chromium chromium = Chromium.start()) {
            var driver = chromium.driver();
            var wait = new WebDriverWait(driver, Duration.ofSeconds(20));
            driver.get(adminPage.toString());
            WebElement name = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dev-user")));
            name.sendKeys("ops");
            name.submit();

            By row = By.xpath("//tr[.//*[contains(@class,'id') and text()='" + waiting + "']]");
            String text = wait.until(ExpectedConditions.visibilityOfElementLocated(row)).getText();
            assertTrue(text.contains("Server-side completion"), text);

            By usage = By.xpath("//tbody[@id='usage-rows']/tr[.//*[contains(@class,'owner') and text()='" + owner + "']]");
            String used = wait.until(ExpectedConditions.visibilityOfElementLocated(usage)).getText();
            assertTrue(used.contains("1 of 3") && used.contains("limits set for this owner"), used);
            // This gateway has no processing steps: nothing is ever held back.
            String held = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("held-empty"))).getText();
            assertEquals("Nothing is held back.", held);
            Files.write(Path.of("target", "screenshots").resolve("admin-usage.png"), driver.getScreenshotAs(OutputType.BYTES));
        }
    }
}
