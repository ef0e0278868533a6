package io.uploadgateway.outbound;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.embedded.EmbeddedClamd;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The clamd client against a real clamd (the machine's, with the EICAR test signature): its verdicts and its failures. */
class ClamdTest {

    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static EmbeddedClamd daemon;
    private static Vertx vertx;
    private static Clamd clamd;

    @BeforeAll
    static void start() throws Exception {
        daemon = EmbeddedClamd.start(Files.createTempDirectory("clamd-test"), 2L * 1024 * 1024);
        vertx = Vertx.vertx();
        clamd = new Clamd(vertx, daemon.address(), Duration.ofSeconds(5));
    }

    @AfterAll
    static void stop() throws Exception {
        clamd.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
        daemon.close();
    }

    @Test
    void cleanBytesAreOkAndTheEicarFileIsFoundAloneAndInsideAZip() throws IOException {
        clamd.ping().await().atMost(WITHIN);
        assertEquals(new Clamd.Verdict(Clamd.Finding.CLEAN, null), scan(new byte[300_000], 64 * 1024));
        byte[] eicar = EmbeddedClamd.EICAR.getBytes(StandardCharsets.US_ASCII);
        assertEquals(new Clamd.Verdict(Clamd.Finding.INFECTED, EmbeddedClamd.SIGNATURE + ".UNOFFICIAL"), scan(eicar, 10));
        assertEquals(Clamd.Finding.INFECTED, scan(zipOf(eicar), 1024).finding());
        assertEquals(Clamd.Finding.CLEAN, scan(new byte[0], 1024).finding());
    }

    @Test
    void aStreamOverClamdsLimitIsNeverAVerdict() {
        // clamd answers "size limit exceeded" and resets the connection mid-stream; its answer is
        // usually lost with the reset. Either way there is no clean verdict: the upload waits (or
        // follows the over-limit policy) and is never served unscanned by accident.
        try {
            assertEquals(Clamd.Finding.TOO_LARGE, scan(new byte[3 * 1024 * 1024], 256 * 1024).finding());
        } catch (Clamd.Unavailable refused) {
            assertTrue(refused.getMessage().contains("StreamMaxLength"), refused.getMessage());
        }
    }

    @Test
    void chunksAreReadOneAtATimeEachWhileThePreviousIsSent() {
        // A read takes a moment (as a ranged GET does): were reads ever started ahead of the one
        // in flight, a scan would hold more than two chunks (the one sent, the one read).
        byte[] bytes = new byte[1_000_000];
        AtomicInteger reading = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger reads = new AtomicInteger();
        clamd.scan(bytes.length, WITHIN, offset -> {
            reads.incrementAndGet();
            most.accumulateAndGet(reading.incrementAndGet(), Math::max);
            return Uni.createFrom().item(() -> Arrays.copyOfRange(bytes, offset.intValue(),
                            (int) Math.min(bytes.length, offset + 100_000)))
                    .onItem().delayIt().by(Duration.ofMillis(2)).invoke(reading::decrementAndGet);
        }).await().atMost(WITHIN);
        assertEquals(1, most.get());
        assertEquals(10, reads.get());
    }

    @Test
    void aChunkOnceSentIsNotKeptUntilTheStreamEnds() {
        // What bounds a scan's memory: a chunk written to clamd can be collected, however long the
        // object. Small chunks on loopback are written at once; an earlier version then went on
        // recursively, and every chunk stayed on the stack until the stream's end.
        int chunk = 100_000;
        int count = 15;
        List<WeakReference<byte[]>> handedOut = new CopyOnWriteArrayList<>();
        List<Integer> keptWhenAsked = new CopyOnWriteArrayList<>();
        Clamd.Verdict verdict = clamd.scan((long) chunk * count, WITHIN, offset -> {
            int n = (int) (offset / chunk);
            if (n >= 4) {
                System.gc();
                if (handedOut.get(n - 4).get() != null) {
                    keptWhenAsked.add(n - 4);
                }
            }
            byte[] bytes = new byte[chunk];
            handedOut.add(new WeakReference<>(bytes));
            return Uni.createFrom().item(bytes);
        }).await().atMost(WITHIN);
        assertEquals(Clamd.Finding.CLEAN, verdict.finding());
        assertEquals(List.of(), keptWhenAsked, "chunks still reachable three chunks later");
    }

    @Test
    void noDaemonIsUnavailableNeverAVerdict() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Clamd nobody = new Clamd(vertx, "127.0.0.1:" + closed, Duration.ofSeconds(2));
        try {
            assertThrows(Clamd.Unavailable.class, () -> nobody.scan(10, WITHIN, offset -> Uni.createFrom().item(new byte[10]))
                    .await().atMost(WITHIN));
            assertThrows(Clamd.Unavailable.class, () -> nobody.ping().await().atMost(WITHIN));
        } finally {
            nobody.close();
        }
    }

    @Test
    void answersAreReadAsClamdWritesThem() {
        assertEquals(Clamd.Finding.CLEAN, Clamd.verdict("stream: OK").finding());
        assertEquals(new Clamd.Verdict(Clamd.Finding.INFECTED, "Win.Test.EICAR_HDB-1"),
                Clamd.verdict("stream: Win.Test.EICAR_HDB-1 FOUND"));
        assertEquals(Clamd.Finding.TOO_LARGE, Clamd.verdict("INSTREAM size limit exceeded. ERROR").finding());
        assertThrows(Clamd.Unavailable.class, () -> Clamd.verdict("Can't allocate memory ERROR"));
    }

    @Test
    void anAddressIsHostColonPort() {
        assertNull(Clamd.addressProblem("127.0.0.1:3310"));
        assertNull(Clamd.addressProblem("clamav.internal:3310"));
        assertNull(Clamd.addressProblem("[::1]:3310"));
        for (String bad : new String[]{"3310", "clamd", "host:", "host:0", "host:70000", "tcp://host:3310", ""}) {
            assertNotNull(Clamd.addressProblem(bad), bad);
        }
        assertNotNull(Clamd.addressProblem(null));
    }

    private static Clamd.Verdict scan(byte[] bytes, int chunk) {
        Function<Long, Uni<byte[]>> chunks = offset -> Uni.createFrom().item(Arrays.copyOfRange(bytes, offset.intValue(),
                (int) Math.min(bytes.length, offset + chunk)));
        return clamd.scan(bytes.length, WITHIN, chunks).await().atMost(WITHIN);
    }

    private static byte[] zipOf(byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("inner/test.com"));
            zip.write(content);
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }
}
