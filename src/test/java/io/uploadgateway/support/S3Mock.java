package io.uploadgateway.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * Adobe S3Mock ({@code com.adobe.testing:s3mock}, version {@code s3mock.version} of the pom): a
 * second S3 implementation, independent of S3Proxy, run as its own {@code java -jar} process
 * (a Spring Boot application; never on the test classpath). Maven copies its executable jar to
 * {@code target/s3mock/} before the tests; its objects live in a temporary directory deleted on
 * {@link #close()}, its output goes to {@code target/s3mock/s3mock-<port>.log}.
 *
 * <p>What it checks and what it does not (pinned by {@code S3MockUploadsTest} and
 * {@code S3MockCompanionTest}; docs/storage-compatibility.md): it accepts any signature or none,
 * ignores presign expiry and POST policies, ignores {@code Content-MD5} on UploadPart, has no
 * PutBucketCors; it checks {@code x-amz-checksum-*} values on UploadPart, part order, ETags and
 * EntityTooSmall at completion, and pages ListParts.
 */
public final class S3Mock implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path root;
    private final Path log;
    private final int port;
    private final Thread killAtExit;

    private S3Mock(Process process, Path root, Path log, int port) {
        this.process = process;
        this.root = root;
        this.log = log;
        this.port = port;
        // Never leave the process behind, even when the test JVM exits without calling close().
        this.killAtExit = new Thread(this::kill, "s3mock-kill");
        Runtime.getRuntime().addShutdownHook(killAtExit);
    }

    /** Starts S3Mock on free loopback ports with {@code bucket} created, and waits until it answers. */
    public static S3Mock start(String bucket) throws IOException {
        Path jar = jar();
        int httpPort = freePort();
        int httpsPort = freePort();
        Path root = Files.createTempDirectory("s3mock-store-");
        Path log = jar.getParent().resolve("s3mock-" + httpPort + ".log");
        // The JVM that runs the tests (Maven's, by default): S3Mock 5 needs Java 17, as the gateway does.
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-jar", jar.toString(),
                "--http.port=" + httpPort,
                "--server.port=" + httpsPort,
                "--server.address=127.0.0.1",
                "--com.adobe.testing.s3mock.store.root=" + root,
                "--com.adobe.testing.s3mock.store.initial-buckets=" + bucket,
                "--com.adobe.testing.s3mock.store.retain-files-on-exit=false",
                // Parts and objects up to 64 MB in one request (its default is 10 MB).
                "--com.adobe.testing.s3mock.max-payload-size=64MB"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3Mock mock = new S3Mock(process, root, log, httpPort);
        try {
            mock.awaitReady(Duration.ofSeconds(90));
        } catch (RuntimeException e) {
            mock.close();
            throw new IllegalStateException("S3Mock did not start; its log " + log + " ends with:\n" + tail(log), e);
        }
        return mock;
    }

    /** {@code GET /} (ListBuckets) answers 200 once the application is up. */
    private void awaitReady(Duration within) {
        HttpRequest listBuckets = HttpRequest.newBuilder(URI.create(endpoint() + "/")).timeout(Duration.ofSeconds(5)).GET().build();
        await("S3Mock on port " + port).atMost(within).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Mock exited with " + process.exitValue());
            }
            try {
                return HTTP.send(listBuckets, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(killAtExit);
        } catch (IllegalStateException exiting) {
            // the hook is running or about to
        }
        kill();
    }

    private void kill() {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(15, TimeUnit.SECONDS);
            } catch (Exception stillThere) {
                handle.destroyForcibly();
            }
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException ignored) {
            // best effort: a temporary directory
        }
    }

    /** The executable jar Maven copied ({@code s3mock.jar}, set by surefire), else where it copies it. */
    private static Path jar() {
        Path jar = Path.of(System.getProperty("s3mock.jar", "target/s3mock/s3mock-exec.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the build through Maven (generate-test-resources copies it)");
        }
        return jar;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
