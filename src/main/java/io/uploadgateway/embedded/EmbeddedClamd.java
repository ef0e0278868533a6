package io.uploadgateway.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A ClamAV daemon of the machine's ({@code clamav-daemon}), started with a configuration and a
 * signature database of its own, for dev mode and tests: it listens on 127.0.0.1 on a free port
 * and knows one signature, the EICAR test file's ({@value #SIGNATURE}), made with ClamAV's own
 * {@code sigtool --md5} (ClamAV's downloaded databases are neither needed nor reachable here).
 * clamd unpacks archives before it matches, so the EICAR file inside a zip is found too. Every scan
 * is logged ({@code LogClean}), so a test can count them. Not in the packaged app's code path.
 */
public final class EmbeddedClamd implements AutoCloseable {

    /** The name clamd reports for the EICAR test file (with its {@code .UNOFFICIAL} suffix for a local database). */
    public static final String SIGNATURE = "Eicar-Test-Signature";
    /** The EICAR anti-virus test file: harmless, and detected by every scanner by agreement. */
    public static final String EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    private static final List<Path> CLAMD = List.of(Path.of("/usr/sbin/clamd"), Path.of("/usr/bin/clamd"), Path.of("/usr/local/sbin/clamd"));
    private static final List<Path> SIGTOOL = List.of(Path.of("/usr/bin/sigtool"), Path.of("/usr/local/bin/sigtool"));

    private final Path binary;
    private final Path dir;
    private final int port;
    private final long streamMaxLength;
    private Process process;

    private EmbeddedClamd(Path binary, Path dir, int port, long streamMaxLength) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
        this.streamMaxLength = streamMaxLength;
    }

    /** The machine's clamd, if it has one. */
    public static Optional<Path> installed() {
        return CLAMD.stream().filter(Files::isExecutable).findFirst();
    }

    /**
     * Starts clamd with its files under {@code dir} on a free port, taking streams up to
     * {@code streamMaxLength} bytes ({@code StreamMaxLength}); answers once it says PONG.
     */
    public static EmbeddedClamd start(Path dir, long streamMaxLength) throws IOException, InterruptedException {
        Path binary = installed().orElseThrow(() -> new IOException("clamd is not installed (apt-get install clamav-daemon)"));
        Files.createDirectories(dir.resolve("db"));
        writeDatabase(dir);
        EmbeddedClamd clamd = new EmbeddedClamd(binary, dir, freePort(), streamMaxLength);
        clamd.start();
        return clamd;
    }

    /** {@code host:port} of its TCP socket: the value of {@code GATEWAY_SCAN_CLAMD}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The scans clamd logged so far (one line per stream, clean or not). */
    public long scansLogged() throws IOException {
        Path log = dir.resolve("clamd.log");
        if (!Files.exists(log)) {
            return 0;
        }
        try (var lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
            return lines.filter(line -> line.contains("stream(") && (line.endsWith(" OK") || line.endsWith(" FOUND"))).count();
        }
    }

    /** Starts it (again, on the same port, after {@link #stop()}); answers once it says PONG. */
    public synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        Path conf = dir.resolve("clamd.conf");
        Files.writeString(conf, String.join("\n",
                "Foreground yes",
                "TCPSocket " + port,
                "TCPAddr 127.0.0.1",
                "DatabaseDirectory " + dir.resolve("db"),
                "LogFile " + dir.resolve("clamd.log"),
                "LogClean yes",
                "LogTime yes",
                "StreamMaxLength " + streamMaxLength,
                "MaxFileSize " + streamMaxLength,
                "MaxScanSize " + Math.max(streamMaxLength, 100L * 1024 * 1024),
                "SelfCheck 3600",
                ""));
        process = new ProcessBuilder(binary.toString(), "--config-file=" + conf)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("clamd.out").toFile())
                .start();
        Instant giveUp = Instant.now().plus(Duration.ofSeconds(60));
        while (!pong()) {
            if (!process.isAlive()) {
                throw new IOException("clamd exited with " + process.exitValue() + "; see " + dir.resolve("clamd.out"));
            }
            if (Instant.now().isAfter(giveUp)) {
                throw new IOException("clamd did not answer PING within 60 s; see " + dir.resolve("clamd.out"));
            }
            Thread.sleep(100); // polling a process that is starting: no event to wait on
        }
    }

    /** Stops it (SIGTERM, then SIGKILL), as an operator's restart or a crash would. */
    public synchronized void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    public boolean pong() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write("zPING\0".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readNBytes(5), StandardCharsets.US_ASCII).equals("PONG\0");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /** The database: the EICAR file's MD5 signature, by sigtool when it is installed, else the same line written here. */
    private static void writeDatabase(Path dir) throws IOException, InterruptedException {
        Path sample = dir.resolve(SIGNATURE);
        Files.writeString(sample, EICAR, StandardCharsets.US_ASCII);
        Path database = dir.resolve("db").resolve("test.hdb");
        Optional<Path> sigtool = SIGTOOL.stream().filter(Files::isExecutable).findFirst();
        if (sigtool.isPresent()) {
            Process run = new ProcessBuilder(sigtool.get().toString(), "--md5", SIGNATURE).directory(dir.toFile())
                    .redirectOutput(database.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (run.waitFor(30, TimeUnit.SECONDS) && run.exitValue() == 0 && Files.size(database) > 0) {
                return;
            }
        }
        Files.writeString(database, md5(EICAR) + ":" + EICAR.length() + ":" + SIGNATURE + "\n", StandardCharsets.US_ASCII);
    }

    private static String md5(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
