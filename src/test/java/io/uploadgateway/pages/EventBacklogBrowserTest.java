package io.uploadgateway.pages;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.support.AppBackend;
import io.uploadgateway.support.Chromium;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.WebhookReceiver;
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
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin page in a real browser shows the webhook backlog while the receiver is down. */
@QuarkusTest
@WithTestResource(TestStack.class)
@WithTestResource(AppBackend.class)
class EventBacklogBrowserTest {

    @TestHTTPResource("/admin.html")
    URL adminPage;

    WebhookReceiver backend;

    @Test
    void theAdminPageShowsEventsWaitingForADownReceiver() throws Exception {
        Gateway client = Gateway.as("backlog-" + UUID.randomUUID().toString().substring(0, 8));
        String id;
        backend.down();
        try {
            id = client.start("waiting.bin", 100, null).getString("id");
            client.start("waiting-too.bin", 100, null);
            try (Chromium chromium = Chromium.start()) {
                var driver = chromium.driver();
                var wait = new WebDriverWait(driver, Duration.ofSeconds(20));
                driver.get(adminPage.toString());
                WebElement name = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dev-user")));
                name.sendKeys("ops");
                name.submit();

                WebElement pending = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("stat-events-pending")));
                wait.until(d -> pending.getText().matches("\\d+"));
                assertTrue(Integer.parseInt(pending.getText()) >= 2, pending.getText());
                assertNotEquals("–", driver.findElement(By.id("stat-events-oldest")).getText());
                assertEquals("waiting", driver.findElement(By.id("event-stats")).getAttribute("data-backlog"));
                Path shots = Path.of("target", "screenshots");
                Files.createDirectories(shots);
                Files.write(shots.resolve("admin-event-backlog.png"), driver.getScreenshotAs(OutputType.BYTES));
            }
        } finally {
            backend.up();
        }
        backend.awaitAccepted(id, got -> got.size() == 1, Duration.ofSeconds(30));
    }
}
