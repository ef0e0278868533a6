package io.uploadgateway.http.uppy;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Chromium;
import io.uploadgateway.support.FaultyS3;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import io.uploadgateway.support.UppyBundle;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.support.ui.WebDriverWait;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

/**
 * The real Uppy ({@code @uppy/core} + {@code @uppy/aws-s3} 6.3.1 from npm, bundled by esbuild) in
 * headless chromium, with the gateway as its Companion, authenticated by the cookie alone (Uppy
 * adds no header), through a fault-injecting proxy into S3Proxy. Every stored object is read back
 * and compared by SHA-256.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = @ResourceArg(name = TestStack.S3, value = "faulty"))
class UppyBrowserTest {

    private static final int MIB = 1024 * 1024;
    private static Chromium chromium;
    private static Path files;

    @TestHTTPResource("/uppy-test/index.html")
    URL page;

    @Inject
    S3AsyncClient s3;

    FaultyS3 proxy;

    @BeforeAll
    static void start() throws Exception {
        UppyBundle.build();
        chromium = Chromium.start();
        files = Files.createTempDirectory("uppy-test-files");
    }

    @AfterAll
    static void stop() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @AfterEach
    void forward() {
        proxy.reset();
    }

    @Test
    void severalFilesWithOddNamesArriveIntact() throws Exception {
        String user = "uppy-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, byte[]> contents = new LinkedHashMap<>();
        contents.put("holiday movie + cut & final 100%.bin", Bytes.random(12 * MIB + 321, 1));
        contents.put("résumé 日本語.txt", Bytes.random(70_000, 2));
        contents.put("a%2Fb+c.dat", Bytes.random(5 * MIB, 3));
        open(user);
        choose(contents);
        Map<String, Object> outcome = uploadAll();
        assertEquals(3L, outcome.get("successful"), "Uppy's outcome: " + outcome + " " + results());

        Map<String, Map<String, Object>> results = results();
        for (var file : contents.entrySet()) {
            Map<String, Object> result = results.get(file.getKey());
            assertEquals(Boolean.TRUE, result.get("ok"), file.getKey() + ": " + result);
            String key = (String) result.get("key");
            assertTrue(key.contains("/"), key);
            assertEquals(Bytes.sha256(file.getValue()), Bytes.sha256(object(key)), file.getKey());
            String id = key.split("/")[key.split("/").length - 2];
            Gateway.withToken(Tokens.forUser(user)).get(id).then().statusCode(200)
                    .body("state", equalTo("COMPLETED")).body("filename", equalTo(file.getKey()))
                    .body("size", equalTo(file.getValue().length));
        }
    }

    @Test
    void aPartPutResetOnceIsRetriedOnTheSameUrl() throws Exception {
        String user = "uppy-" + UUID.randomUUID().toString().substring(0, 8);
        byte[] bytes = Bytes.random(11 * MIB, 4);
        proxy.rule(FaultyS3.kind("UploadPart"), FaultyS3.Action.RESET, 1);
        open(user);
        choose(Map.of("reset.bin", bytes));
        Map<String, Object> outcome = uploadAll();
        assertEquals(1L, outcome.get("successful"), "Uppy's outcome: " + outcome + " " + results());
        assertEquals(Bytes.sha256(bytes), Bytes.sha256(object((String) results().get("reset.bin").get("key"))));

        List<FaultyS3.Seen> puts = proxy.requests().stream().filter(FaultyS3.kind("UploadPart")).toList();
        FaultyS3.Seen reset = puts.stream().filter(s -> s.outcome().equals("reset")).findFirst().orElseThrow();
        assertTrue(puts.stream().anyMatch(s -> s != reset && s.target().equals(reset.target()) && s.upstreamStatus() == 200),
                "the reset PUT was sent again to the same URL: " + puts.stream().map(FaultyS3.Seen::toString)
                        .collect(Collectors.joining("\n")));
    }

    @Test
    void aPartThatFailsUntilRetryIsResumedFromListPartsWithoutResendingTheOthers() throws Exception {
        String user = "uppy-" + UUID.randomUUID().toString().substring(0, 8);
        byte[] bytes = Bytes.random(12 * MIB + 5, 6);
        java.util.function.Predicate<FaultyS3.Seen> partThree = FaultyS3.kind("UploadPart").and(s -> s.target().contains("partNumber=3"));
        proxy.rule(partThree, FaultyS3.Action.error(500, "InternalError"));
        open(user);
        choose(Map.of("resume.bin", bytes));
        Map<String, Object> first = uploadAll();
        assertEquals(1L, first.get("failed"), "part 3 keeps failing: " + first + " " + results());

        proxy.clearRules();
        long listPartsBefore = proxy.count("ListParts");
        chromium.driver().manage().timeouts().scriptTimeout(Duration.ofSeconds(120));
        @SuppressWarnings("unchecked")
        Map<String, Object> retried = (Map<String, Object>) js().executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "window.retryAll().then(done, e => done({error: String(e)}));");
        assertEquals(1L, retried.get("successful"), "after retryAll: " + retried + " " + results());
        assertEquals(Bytes.sha256(bytes), Bytes.sha256(object((String) results().get("resume.bin").get("key"))));
        assertTrue(proxy.count("ListParts") > listPartsBefore, "the resume asked for the parts storage holds");
        List<FaultyS3.Seen> puts = proxy.requests().stream().filter(FaultyS3.kind("UploadPart"))
                .filter(s -> s.upstreamStatus() == 200).toList();
        for (int n : new int[]{1, 2}) {
            String part = "partNumber=" + n;
            assertEquals(1, puts.stream().filter(s -> s.target().contains(part + "&") || s.target().endsWith(part)).count(),
                    "part " + n + " was sent once: " + puts);
        }
    }

    @Test
    void cancelAbortsTheUploadAndLeavesNothingInStorage() throws Exception {
        String user = "uppy-" + UUID.randomUUID().toString().substring(0, 8);
        open(user);
        js().executeScript("window.cancelAfterFirstPartOf = 'cancel-me.bin'");
        // Slow PUTs, so the cancel lands while parts are still going.
        proxy.rule(FaultyS3.kind("UploadPart"), FaultyS3.Action.delay(Duration.ofMillis(700)));
        choose(Map.of("cancel-me.bin", Bytes.random(30 * MIB, 5)));
        js().executeScript("window.uploadAll()");
        Gateway me = Gateway.withToken(Tokens.forUser(user));
        String id = waitFor(() -> {
            List<Map<String, Object>> items = me.api().get("/api/v1/uploads").then().extract().jsonPath().getList("items");
            return items.isEmpty() || !"ABORTED".equals(items.get(0).get("state")) ? null : (String) items.get(0).get("id");
        }, Duration.ofSeconds(60));
        String key = me.get(id).then().extract().path("key");
        assertTrue(s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(key)).join().uploads().isEmpty(),
                "the multipart upload is gone from storage");
        assertTrue(s3.listObjectsV2(r -> r.bucket(TestStack.BUCKET).prefix(key)).join().contents().isEmpty(), "no object");
    }

    @Test
    void aSmallFileAndAnEmptyFileGoInOnePostEachThroughS3Params() throws Exception {
        String user = "uppy-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, byte[]> contents = new LinkedHashMap<>();
        contents.put("small note + 1 & é.txt", Bytes.random(70_000, 11));
        contents.put("empty.txt", new byte[0]);
        open(user);
        js().executeScript("window.uppyDefaultSplit = true;");
        choose(contents);
        Map<String, Object> outcome = uploadAll();
        assertEquals(2L, outcome.get("successful"), "Uppy's outcome: " + outcome + " " + results());
        assertTrue(proxy.requests().stream().noneMatch(FaultyS3.kind("UploadPart").and(seen -> seen.target().contains("/" + user + "/"))),
                "no multipart upload was used for the user's files");

        Map<String, Map<String, Object>> results = results();
        for (var file : contents.entrySet()) {
            Map<String, Object> result = results.get(file.getKey());
            assertEquals(Boolean.TRUE, result.get("ok"), file.getKey() + ": " + result);
            // Uppy reports the key its form wrote: the upload's staging key, ending in the upload's id.
            String staged = (String) result.get("key");
            assertTrue(staged.startsWith("uploads/staging/"), staged);
            assertEquals(Bytes.sha256(file.getValue()), Bytes.sha256(object(staged)), file.getKey());
            String id = staged.substring(staged.lastIndexOf('/') + 1);
            // Uppy does not call back after a POST: the app's sync (or the janitor) completes the row,
            // which copies the checked object to the upload's key.
            String key = Gateway.withToken(Tokens.forUser(user)).api().get("/api/v1/uploads/" + id + "?sync=true").then()
                    .statusCode(200).body("state", equalTo("COMPLETED")).body("filename", equalTo(file.getKey()))
                    .body("size", equalTo(file.getValue().length)).extract().path("key");
            assertEquals(Bytes.sha256(file.getValue()), Bytes.sha256(object(key)), file.getKey());
        }
    }

    private void open(String user) throws Exception {
        chromium.driver().get(page.toString());
        new WebDriverWait(chromium.driver(), Duration.ofSeconds(20))
                .until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
        Object status = js().executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "window.signIn(arguments[0]).then(done, e => done(String(e)));", Tokens.forUser(user));
        assertEquals(204L, status, "POST /s3/session from the page");
    }

    private void choose(Map<String, byte[]> contents) throws Exception {
        Path dir = Files.createTempDirectory(files, "pick");
        StringBuilder paths = new StringBuilder();
        for (var file : contents.entrySet()) {
            Path path = dir.resolve(file.getKey());
            Files.write(path, file.getValue());
            paths.append(paths.isEmpty() ? "" : "\n").append(path);
        }
        chromium.driver().findElement(By.id("files")).sendKeys(paths.toString());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> uploadAll() {
        chromium.driver().manage().timeouts().scriptTimeout(Duration.ofSeconds(120));
        return (Map<String, Object>) js().executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "window.uploadAll().then(done, e => done({error: String(e)}));");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Map<String, Object>> results() {
        return (Map<String, Map<String, Object>>) js().executeScript("return window.uppyResults;");
    }

    private JavascriptExecutor js() {
        return chromium.driver();
    }

    private byte[] object(String key) {
        return s3.getObject(r -> r.bucket(TestStack.BUCKET).key(key), AsyncResponseTransformer.toBytes()).join().asByteArray();
    }

    private static <T> T waitFor(java.util.function.Supplier<T> probe, Duration timeout) {
        return await().atMost(timeout).pollInterval(Duration.ofMillis(250)).until(probe::get, java.util.Objects::nonNull);
    }
}
