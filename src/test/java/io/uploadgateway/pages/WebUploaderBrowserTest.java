package io.uploadgateway.pages;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Chromium;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web uploader in a real browser (Debian's headless chromium) against the real gateway,
 * PostgreSQL and S3Proxy: what a user does with the page, checked against what the server holds.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
class WebUploaderBrowserTest {

    private static final int MIB = 1024 * 1024;
    private static final String FIVE_MIB_PARTS = "partSize=" + 5 * MIB;

    private static Chromium chromium;
    private static Path files;

    @TestHTTPResource("/")
    URL base;

    private UploaderPage page;
    private String user;

    @BeforeAll
    static void startBrowser() throws IOException {
        chromium = Chromium.start();
        files = Files.createTempDirectory("uploader-test-files");
    }

    @AfterAll
    static void stopBrowser() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @BeforeEach
    void freshPage() {
        page = new UploaderPage(chromium.driver(), base);
        page.unthrottle();
        // Each test is a new user of a browser with nothing remembered. The storage is cleared from
        // a page of the same origin that runs no script (the uploader would sign in again).
        chromium.driver().get(base + "dev/token");
        page.script("localStorage.clear(); sessionStorage.clear();");
        user = "web-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void uploadsA40MiBFileIn5MiBPartsPlusAPickedAndADroppedFileWithTheirBytesIntact() throws Exception {
        byte[] movie = Bytes.random(40 * MIB, 40);
        byte[] notes = Bytes.random(300 * 1024 + 17, 41);
        Path moviePath = write("holiday-movie.mp4", movie);
        Path notesPath = write("notes.txt", notes);

        page.open(FIVE_MIB_PARTS, user);
        page.choose(moviePath, notesPath);
        Map<String, Object> movieItem = page.waitForState("holiday-movie.mp4", "completed", Duration.ofSeconds(60));
        Map<String, Object> notesItem = page.waitForState("notes.txt", "completed", Duration.ofSeconds(30));

        // The server holds both, complete, in the planned parts.
        String movieId = (String) movieItem.get("id");
        JsonPath server = Gateway.as(user).get(movieId).then().statusCode(200).extract().jsonPath();
        assertEquals("COMPLETED", server.getString("state"));
        assertEquals(8, server.getInt("partCount"));
        assertEquals(5 * MIB, server.getLong("partSize"));
        assertEquals(movie.length, server.getLong("size"));
        assertEquals(8L, page.number("holiday-movie.mp4", "partPuts"), "one PUT per part, no retries: " + movieItem);
        assertEquals(0L, page.number("holiday-movie.mp4", "refusals"));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), page.partPutsSeenByBrowser(movieId));

        // The page's download links give back exactly the bytes that were chosen.
        assertDownloadMatches(movieItem, movie, "holiday-movie.mp4");
        assertDownloadMatches(notesItem, notes, "notes.txt");

        // A third file by drag and drop onto the drop zone (a File built in the page, as the OS would hand it over).
        String text = "dropped onto the page\n".repeat(5000);
        page.dropFile("dropped.txt", text);
        Map<String, Object> dropped = page.waitForState("dropped.txt", "completed", Duration.ofSeconds(30));
        assertDownloadMatches(dropped, text.getBytes(java.nio.charset.StandardCharsets.UTF_8), "dropped.txt");

        assertEquals("All 3 files uploaded", page.text("summary-title"));
        assertTrue(page.row("holiday-movie.mp4").findElement(By.cssSelector(".action-download")).isDisplayed());
        assertEquals(0L, ((Number) page.script("return window.uploader.client.listRemembered().length")).longValue(),
                "finished uploads are not offered for resuming");
    }

    @Test
    void afterAReloadMidUploadChoosingTheFileAgainSendsOnlyTheMissingParts() throws Exception {
        byte[] movie = Bytes.random(40 * MIB, 50);
        Path moviePath = write("big-archive.tar", movie);
        Path smallPath = write("readme.md", Bytes.random(200 * 1024, 51));

        page.open(FIVE_MIB_PARTS + "&concurrency=2", user);
        page.throttleUploads(6 * MIB);
        page.choose(moviePath, smallPath);
        page.waitForState("readme.md", "completed", Duration.ofSeconds(30));
        page.waitForPartsDone("big-archive.tar", 3, Duration.ofSeconds(30));
        Map<String, Object> before = page.item("big-archive.tar");
        String id = (String) before.get("id");
        assertTrue(((Number) before.get("partsDone")).intValue() < 8, "the reload must come mid-upload: " + before);
        Path screenshot = page.screenshot("uploader-mid-upload");
        assertTrue(Files.size(screenshot) > 10_000, "screenshot " + screenshot);

        page.reload();
        // The new page remembers the unfinished upload and says how to continue it.
        assertTrue(page.visible("resumable"), "the page offers to resume");
        assertTrue(page.text("resumable-list").contains("big-archive.tar"), page.text("resumable-list"));

        // What S3 really holds now decides what must be sent again.
        List<Integer> missing = Gateway.as(user).sync(id).then().statusCode(200).extract().jsonPath()
                .getList("missingParts", Integer.class);
        assertTrue(!missing.isEmpty() && missing.size() < 8, "missing after the reload: " + missing);

        page.unthrottle();
        page.choose(moviePath);
        Map<String, Object> after = page.waitForState("big-archive.tar", "completed", Duration.ofSeconds(60));

        List<Long> expected = missing.stream().map(Integer::longValue).sorted().toList();
        assertEquals(id, after.get("id"), "the same upload continued, no new one started");
        assertEquals(expected, sortedLongs(after.get("resumedMissing")), "the page resumed with the parts S3 lacks");
        assertEquals(expected, sortedLongs(after.get("partPutNumbers")), "the client sent exactly the missing parts");
        assertEquals(expected, page.partPutsSeenByBrowser(id), "the browser's own record of part PUTs");
        assertEquals("COMPLETED", Gateway.as(user).get(id).then().statusCode(200).extract().path("state"));
        assertDownloadMatches(after, movie, "big-archive.tar");
    }

    @Test
    void urlsThatExpireAfterTwoSecondsAreRepresignedAndTheThrottledUploadStillFinishes() throws Exception {
        byte[] video = Bytes.random(20 * MIB, 60);
        Path videoPath = write("slow-link.mov", video);

        // One part at a time at ~3 MiB/s: a 5 MiB part takes longer than the URLs of the batch live.
        page.open(FIVE_MIB_PARTS + "&concurrency=1&presignBatch=4&expiresInSeconds=2", user);
        page.throttleUploads(3 * MIB);
        page.choose(videoPath);
        Map<String, Object> done = page.waitForState("slow-link.mov", "completed", Duration.ofSeconds(60));

        long refusals = ((Number) done.get("refusals")).longValue();
        long presignCalls = ((Number) done.get("presignCalls")).longValue();
        assertTrue(refusals >= 1, "S3 must have refused at least one lapsed URL: " + done);
        assertTrue(presignCalls >= 2, "the client asked for fresh URLs: " + done);
        assertEquals(0L, ((Number) done.get("failures")).longValue(), "a lapsed URL is not a failure: " + done);
        assertEquals(4 + refusals, ((Number) done.get("partPuts")).longValue(), "each refusal cost one extra PUT: " + done);
        String id = (String) done.get("id");
        assertEquals("COMPLETED", Gateway.as(user).get(id).then().statusCode(200).extract().path("state"));
        assertDownloadMatches(done, video, "slow-link.mov");
    }

    @Test
    void cancelAbortsTheUploadOnTheServer() throws Exception {
        Path path = write("mistake.iso", Bytes.random(30 * MIB, 70));

        page.open(FIVE_MIB_PARTS + "&concurrency=2", user);
        page.throttleUploads(4 * MIB);
        page.choose(path);
        page.waitForPartsDone("mistake.iso", 1, Duration.ofSeconds(30));
        String id = (String) page.item("mistake.iso").get("id");

        page.row("mistake.iso").findElement(By.cssSelector(".action-cancel")).click();
        page.waitForState("mistake.iso", "cancelled", Duration.ofSeconds(15));
        page.waitUntil("the server to abort", Duration.ofSeconds(10),
                d -> "ABORTED".equals(Gateway.as(user).get(id).then().extract().path("state")));

        long puts = page.number("mistake.iso", "partPuts");
        Thread.sleep(1500);
        assertEquals(puts, page.number("mistake.iso", "partPuts"), "nothing is sent after cancel");
        assertEquals("cancelled", page.row("mistake.iso").getAttribute("data-state"));
        assertEquals(0L, ((Number) page.script("return window.uploader.client.listRemembered().length")).longValue(),
                "a cancelled upload is not offered for resuming");
    }

    @Test
    void pauseStopsSendingAndResumeFinishesWithoutRepeatingRecordedParts() throws Exception {
        byte[] data = Bytes.random(25 * MIB, 80);
        Path path = write("dataset.parquet", data);

        page.open(FIVE_MIB_PARTS + "&concurrency=2", user);
        page.throttleUploads(5 * MIB);
        page.choose(path);
        page.waitForPartsDone("dataset.parquet", 2, Duration.ofSeconds(30));
        page.row("dataset.parquet").findElement(By.cssSelector(".action-pause")).click();
        page.waitForState("dataset.parquet", "paused", Duration.ofSeconds(5));
        Map<String, Object> paused = page.item("dataset.parquet");
        Thread.sleep(1200);
        assertEquals(paused.get("partPuts"), page.item("dataset.parquet").get("partPuts"), "no PUTs while paused");
        assertEquals("Paused", page.row("dataset.parquet").findElement(By.cssSelector(".file-status")).getText());

        page.unthrottle();
        page.row("dataset.parquet").findElement(By.cssSelector(".action-resume")).click();
        Map<String, Object> done = page.waitForState("dataset.parquet", "completed", Duration.ofSeconds(60));
        List<Long> puts = sortedLongs(done.get("partPutNumbers"));
        long recordedBeforePause = ((Number) paused.get("partsDone")).longValue();
        // Parts recorded before the pause are never sent again; only parts cut off mid-flight are.
        assertEquals(5, puts.stream().distinct().count(), "every part was sent: " + puts);
        assertTrue(puts.size() <= 5 + (5 - recordedBeforePause), "only interrupted parts were re-sent: " + puts);
        assertDownloadMatches(done, data, "dataset.parquet");
    }

    @Test
    void offlineTheUploadWaitsQuietlyAndContinuesWhenTheNetworkIsBack() throws Exception {
        byte[] data = Bytes.random(20 * MIB, 90);
        Path path = write("field-notes.zip", data);

        // Requests cut off while waiting for an answer just hang (as after a laptop's sleep): the
        // client drops a part PUT without progress for stallTimeoutMs and a gateway call without
        // an answer for requestTimeoutMs, then finds the network gone and waits.
        page.open(FIVE_MIB_PARTS + "&concurrency=2&stallTimeoutMs=3000&requestTimeoutMs=8000", user);
        page.throttleUploads(5 * MIB);
        page.choose(path);
        page.waitForPartsDone("field-notes.zip", 1, Duration.ofSeconds(30));
        page.goOffline();
        page.waitForState("field-notes.zip", "waiting", Duration.ofSeconds(20));
        assertEquals("Waiting for network", page.row("field-notes.zip").findElement(By.cssSelector(".file-status")).getText());
        Thread.sleep(1500);
        Map<String, Object> offline = page.item("field-notes.zip");
        assertEquals("waiting", offline.get("state"), "still waiting, not failed: " + offline);
        assertEquals(0L, ((Number) offline.get("failures")).longValue(), "offline is not a failure: " + offline);

        page.unthrottle();
        Map<String, Object> done = page.waitForState("field-notes.zip", "completed", Duration.ofSeconds(60));
        assertEquals(0L, ((Number) done.get("failures")).longValue(), done.toString());
        assertDownloadMatches(done, data, "field-notes.zip");
    }

    /** RFC 1321's test vectors: the hand-written MD5 of the uploader must give exactly these in the browser. */
    private static final Map<String, String> MD5_VECTORS = Map.of(
            "", "d41d8cd98f00b204e9800998ecf8427e",
            "a", "0cc175b9c0f1b6a831c399e269772661",
            "abc", "900150983cd24fb0d6963f7d28e17f72",
            "message digest", "f96b697d7cb7938d525a2f31aaf161d0",
            "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f",
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a");

    @Test
    void withContentMd5EachPartIsHashedInAWorkerAndItsUrlSignedForItsMd5() throws Exception {
        byte[] video = Bytes.random(12 * MIB + 4321, 95);
        Path videoPath = write("checked.mp4", video);
        page.open(FIVE_MIB_PARTS + "&contentMd5=true", user);

        // The hand-written MD5 (WebCrypto has none) against RFC 1321's vectors, and against Java's
        // MD5 on bytes across block boundaries, in this browser.
        @SuppressWarnings("unchecked")
        Map<String, String> hex = (Map<String, String>) page.asyncScript(Duration.ofSeconds(20), """
                const done = arguments[arguments.length - 1];
                import('/js/upload/md5.js').then((m) => {
                  const out = {};
                  for (const v of arguments[0]) out[v] = m.toHex(new m.Md5().update(new TextEncoder().encode(v)).digest());
                  const bytes = new Uint8Array(1000); for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
                  const split = new m.Md5(); split.update(bytes.subarray(0, 3)).update(bytes.subarray(3, 130)).update(bytes.subarray(130));
                  out.split = m.toBase64(split.digest());
                  done(out);
                }, (e) => done({error: String(e)}));
                """, List.copyOf(MD5_VECTORS.keySet()));
        MD5_VECTORS.forEach((text, expected) -> assertEquals(expected, hex.get(text), "MD5 of \"" + text + "\""));
        byte[] pattern = new byte[1000];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 7);
        }
        assertEquals(base64Md5(pattern), hex.get("split"), "incremental MD5");

        // Every Content-MD5 header the page sends to S3, as the page sets it.
        page.script("""
                window.__contentMd5s = [];
                const set = XMLHttpRequest.prototype.setRequestHeader;
                XMLHttpRequest.prototype.setRequestHeader = function (name, value) {
                  if (name.toLowerCase() === 'content-md5') window.__contentMd5s.push(value);
                  return set.call(this, name, value);
                };
                """);
        page.choose(videoPath);
        Map<String, Object> done = page.waitForState("checked.mp4", "completed", Duration.ofSeconds(60));
        assertEquals(3L, ((Number) done.get("partPuts")).longValue(), "one PUT per part: " + done);

        List<String> expected = List.of(base64Md5(java.util.Arrays.copyOfRange(video, 0, 5 * MIB)),
                base64Md5(java.util.Arrays.copyOfRange(video, 5 * MIB, 10 * MIB)),
                base64Md5(java.util.Arrays.copyOfRange(video, 10 * MIB, video.length)));
        @SuppressWarnings("unchecked")
        List<String> sent = ((List<Object>) page.script("return window.__contentMd5s")).stream().map(String::valueOf).sorted().toList();
        assertEquals(expected.stream().sorted().toList(), sent, "each part PUT carried its own MD5, signed into its URL");
        @SuppressWarnings("unchecked")
        Map<String, Object> digests = (Map<String, Object>) page.script("return window.uploader.client.digests.stats");
        assertEquals(Boolean.TRUE, digests.get("offMainThread"), "hashed in the worker: " + digests);
        assertEquals((long) video.length, ((Number) digests.get("bytes")).longValue(), digests.toString());
        assertDownloadMatches(done, video, "checked.mp4");

        // The cost: MD5 throughput of the worker in this headless chromium (64 MiB), for the README.
        @SuppressWarnings("unchecked")
        Map<String, Object> speed = (Map<String, Object>) page.asyncScript(Duration.ofSeconds(120), """
                const done = arguments[arguments.length - 1];
                import('/js/upload/part-digests.js').then(async (m) => {
                  const digests = new m.PartDigests();
                  const blob = new Blob([new Uint8Array(64 * 1024 * 1024).fill(7)]);
                  await digests.md5(blob.slice(0, 1024 * 1024)); // warm up the worker and the JIT
                  const before = {...digests.stats};
                  const started = performance.now();
                  await digests.md5(blob);
                  const wall = performance.now() - started;
                  digests.close();
                  done({workerMs: digests.stats.ms - before.ms, wallMs: wall});
                }, (e) => done({error: String(e)}));
                """);
        double workerMs = ((Number) speed.get("workerMs")).doubleValue();
        System.out.printf("MD5 in the worker (headless chromium): 64 MiB in %.0f ms = %.0f MiB/s (wall %.0f ms)%n",
                workerMs, 64 * 1000 / workerMs, ((Number) speed.get("wallMs")).doubleValue());
        assertTrue(workerMs > 0, speed.toString());
    }

    @Test
    void anUploadWithSha256ChecksumsHasEachPartsChecksumComputedInTheWorkerAndSigned() throws Exception {
        byte[] data = Bytes.random(11 * MIB + 99, 96);
        Path path = write("sums.bin", data);
        page.open(FIVE_MIB_PARTS + "&checksumAlgorithm=SHA256", user);
        page.script("""
                window.__checksums = [];
                const set = XMLHttpRequest.prototype.setRequestHeader;
                XMLHttpRequest.prototype.setRequestHeader = function (name, value) {
                  if (name.toLowerCase() === 'x-amz-checksum-sha256') window.__checksums.push(value);
                  return set.call(this, name, value);
                };
                """);
        page.choose(path);
        Map<String, Object> done = page.waitForState("sums.bin", "completed", Duration.ofSeconds(60));
        String id = (String) done.get("id");
        assertEquals("SHA256", Gateway.as(user).get(id).then().statusCode(200).extract().path("checksumAlgorithm"));

        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        List<String> expected = java.util.stream.Stream.of(new int[]{0, 5 * MIB}, new int[]{5 * MIB, 10 * MIB},
                        new int[]{10 * MIB, data.length})
                .map(r -> java.util.Base64.getEncoder().encodeToString(sha.digest(java.util.Arrays.copyOfRange(data, r[0], r[1]))))
                .sorted().toList();
        @SuppressWarnings("unchecked")
        List<String> sent = ((List<Object>) page.script("return window.__checksums")).stream().map(String::valueOf).sorted().toList();
        assertEquals(expected, sent, "each part PUT carried its own SHA-256, signed into its URL");
        assertDownloadMatches(done, data, "sums.bin");
    }

    private static String base64Md5(byte[] bytes) throws java.security.NoSuchAlgorithmException {
        return java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("MD5").digest(bytes));
    }

    private static Path write(String name, byte[] bytes) throws IOException {
        Path dir = Files.createDirectories(files.resolve(UUID.randomUUID().toString()));
        return Files.write(dir.resolve(name), bytes);
    }

    private static void assertDownloadMatches(Map<String, Object> item, byte[] expected, String filename) {
        String href = (String) item.get("download");
        assertNotNull(href, "the page shows a download link for " + filename);
        Gateway.Downloaded download = Gateway.download(href);
        assertEquals(200, download.status(), filename);
        assertEquals(Bytes.sha256(expected), Bytes.sha256(download.body()), "sha256 of " + filename);
        String disposition = download.headers().firstValue("Content-Disposition").orElse("");
        assertTrue(disposition.contains(filename), disposition);
    }

    private static List<Long> sortedLongs(Object list) {
        assertNotNull(list);
        return ((List<?>) list).stream().map(n -> ((Number) n).longValue()).sorted().toList();
    }
}
