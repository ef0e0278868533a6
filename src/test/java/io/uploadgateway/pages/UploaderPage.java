package io.uploadgateway.pages;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chromium.ChromiumNetworkConditions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/** The uploader page (index.html) as a user and the tests see it. */
final class UploaderPage {

    private static final String ITEM_SCRIPT = """
            const item = ((window.uploader && window.uploader.items) || []).find(i => i.file.name === arguments[0]);
            if (!item) return null;
            const u = item.upload, p = u.progress;
            return {id: u.id, state: u.state, rowState: item.row.dataset.state, partsDone: p.partsDone,
              partCount: p.partCount, bytesDone: p.bytesDone, partPuts: u.stats.partPuts,
              partPutNumbers: u.stats.partPutNumbers, refusals: u.stats.refusals, failures: u.stats.failures,
              presignCalls: u.stats.presignCalls, resumedMissing: u.resumedFrom ? u.resumedFrom.missingParts : null,
              error: u.error ? u.error.name + ': ' + u.error.message : null,
              download: item.row.querySelector('.action-download').getAttribute('href')};
            """;

    /** Part numbers of every S3 part PUT this document made for the upload, as the browser recorded them. */
    private static final String PART_PUTS_SCRIPT = """
            return performance.getEntriesByType('resource')
              .filter(e => e.name.includes(arguments[0]) && /[?&]partNumber=\\d+/.test(e.name))
              .map(e => Number(new URL(e.name).searchParams.get('partNumber')));
            """;

    private final ChromeDriver driver;
    private final URL base;

    UploaderPage(ChromeDriver driver, URL base) {
        this.driver = driver;
        this.base = base;
    }

    /** Opens the page with the given query, signing in with the dev token box when it asks. */
    UploaderPage open(String query, String user) {
        driver.get(base + (query.isEmpty() ? "" : "?" + query));
        waitUntil("the sign-in box or the uploader", Duration.ofSeconds(15),
                d -> visible("dev-signin") || visible("uploader"));
        if (visible("dev-signin")) {
            WebElement name = driver.findElement(By.id("dev-user"));
            name.clear();
            name.sendKeys(user);
            driver.findElement(By.id("dev-signin-button")).click();
        }
        waitUntil("the uploader", Duration.ofSeconds(15), d -> visible("uploader"));
        if (!user.equals(driver.findElement(By.id("account-name")).getText())) {
            throw new AssertionError("signed in as " + driver.findElement(By.id("account-name")).getText() + ", not " + user);
        }
        return this;
    }

    void reload() {
        driver.navigate().refresh();
        waitUntil("the uploader after the reload", Duration.ofSeconds(15), d -> visible("uploader"));
    }

    /** Picks files in the file chooser, as a user does. */
    void choose(Path... files) {
        String paths = Arrays.stream(files).map(p -> p.toAbsolutePath().toString()).collect(Collectors.joining("\n"));
        driver.findElement(By.id("file-input")).sendKeys(paths);
    }

    /** Drops a file with this text onto the drop zone, through the page's drag-and-drop handlers. */
    void dropFile(String filename, String text) {
        js().executeScript("""
                const transfer = new DataTransfer();
                transfer.items.add(new File([arguments[1]], arguments[0], {type: 'text/plain'}));
                const zone = document.getElementById('dropzone');
                for (const type of ['dragenter', 'dragover', 'drop']) {
                  zone.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true, cancelable: true}));
                }
                """, filename, text);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> item(String filename) {
        return (Map<String, Object>) js().executeScript(ITEM_SCRIPT, filename);
    }

    String state(String filename) {
        Map<String, Object> item = item(filename);
        return item == null ? null : (String) item.get("state");
    }

    long number(String filename, String field) {
        return ((Number) item(filename).get(field)).longValue();
    }

    @SuppressWarnings("unchecked")
    List<Long> partPutsSeenByBrowser(String uploadId) {
        return ((List<Object>) js().executeScript(PART_PUTS_SCRIPT, uploadId)).stream()
                .map(n -> ((Number) n).longValue()).sorted().toList();
    }

    /** Waits for the file to reach the state, failing early (with the page's message) on an error. */
    Map<String, Object> waitForState(String filename, String state, Duration timeout) {
        waitUntil(filename + " " + state, timeout, () -> String.valueOf(item(filename)), d -> {
            Map<String, Object> item = item(filename);
            if (item != null && "error".equals(item.get("state")) && !"error".equals(state)) {
                throw new AssertionError(filename + " failed in the page: " + item.get("error"));
            }
            // A completed row is only done for the user once its download link is there.
            return item != null && state.equals(item.get("state"))
                    && (!"completed".equals(state) || String.valueOf(item.get("download")).startsWith("http"));
        });
        return item(filename);
    }

    void waitForPartsDone(String filename, int parts, Duration timeout) {
        waitUntil(filename + " with " + parts + " parts recorded", timeout, d -> {
            Map<String, Object> item = item(filename);
            return item != null && ((Number) item.get("partsDone")).intValue() >= parts;
        });
    }

    WebElement row(String filename) {
        return driver.findElements(By.cssSelector("#file-list .file")).stream()
                .filter(r -> filename.equals(r.findElement(By.cssSelector(".file-name")).getText()))
                .findFirst().orElseThrow(() -> new AssertionError("no row for " + filename));
    }

    String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    boolean visible(String id) {
        List<WebElement> found = driver.findElements(By.id(id));
        return !found.isEmpty() && found.get(0).isDisplayed();
    }

    Object script(String script, Object... args) {
        return js().executeScript(script, args);
    }

    /** Runs a script that calls its last argument (a callback) with the result, waiting up to {@code timeout}. */
    Object asyncScript(Duration timeout, String script, Object... args) {
        driver.manage().timeouts().scriptTimeout(timeout);
        return js().executeAsyncScript(script, args);
    }

    /** Chromium's network emulation: caps the upload rate of every request of the page. */
    void throttleUploads(int bytesPerSecond) {
        ChromiumNetworkConditions conditions = new ChromiumNetworkConditions();
        conditions.setLatency(Duration.ofMillis(5));
        conditions.setUploadThroughput(bytesPerSecond);
        conditions.setDownloadThroughput(50 * 1024 * 1024);
        driver.setNetworkConditions(conditions);
    }

    /** Chromium's offline emulation: requests fail and navigator.onLine turns false. */
    void goOffline() {
        ChromiumNetworkConditions conditions = new ChromiumNetworkConditions();
        conditions.setOffline(true);
        driver.setNetworkConditions(conditions);
    }

    void unthrottle() {
        driver.deleteNetworkConditions();
    }

    Path screenshot(String name) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "screenshots"));
            Path file = dir.resolve(name + ".png");
            Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void waitUntil(String what, Duration timeout, Predicate<ChromeDriver> condition) {
        waitUntil(what, timeout, () -> "", condition);
    }

    /** Polls the condition; on timeout, fails with {@code details} (what the page showed then). */
    void waitUntil(String what, Duration timeout, java.util.function.Supplier<String> details,
                   Predicate<ChromeDriver> condition) {
        try {
            await(what).atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> condition.test(driver));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what
                    + "; page error banner: '" + (visible("page-error") ? text("page-error") : "") + "' " + details.get(), e);
        }
    }

    private JavascriptExecutor js() {
        return driver;
    }
}
