package io.uploadgateway.support;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * One gateway process started from the packaged jar ({@code java -jar target/quarkus-app/quarkus-run.jar},
 * prod profile, as in the container image), configured with {@code -D} properties, its console
 * output in a log file. For ITs that run the gateway as separate processes and stop or kill them.
 */
public record PackagedGateway(String name, int port, int managementPort, Process process, Path logFile) {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * Starts the jar with {@code config} (which must include {@code quarkus.http.port}; a free
     * management port is chosen unless {@code quarkus.management.port} is given); logs to
     * {@code logDir/instance-<name>.log}.
     */
    public static PackagedGateway start(String name, Map<String, String> given, Path logDir) throws IOException {
        return start(name, given, logDir, List.of("-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
    }

    /** As {@link #start(String, Map, Path)}, with these JVM options (a benchmark's heap bound, its JIT). */
    public static PackagedGateway start(String name, Map<String, String> given, Path logDir, List<String> jvmOptions)
            throws IOException {
        Map<String, String> config = new java.util.LinkedHashMap<>(given);
        int port = Integer.parseInt(config.get("quarkus.http.port"));
        int managementPort = Integer.parseInt(config.computeIfAbsent("quarkus.management.port", ignored -> {
            try {
                return String.valueOf(freePort());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toString()));

        Files.createDirectories(logDir);
        Path log = logDir.resolve("instance-" + name + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        return new PackagedGateway(name, port, managementPort, process, log);
    }

    public String url() {
        return "http://localhost:" + port;
    }

    /** The management interface: health, metrics, OpenAPI. */
    public RequestSpecification management() {
        return RestAssured.given().baseUri("http://localhost:" + managementPort);
    }

    public RequestSpecification api(String token) {
        RequestSpecification spec = RestAssured.given().baseUri(url()).contentType("application/json")
                .accept("application/json");
        return token == null ? spec : spec.auth().oauth2(token);
    }

    /** Waits until {@code /q/health/ready} (management port) answers 200; fails (with the log's tail) if the process exits or time runs out. */
    public void awaitReady(Duration timeout) throws IOException {
        AtomicReference<String> last = new AtomicReference<>("no answer");
        try {
            Awaitility.await("instance " + name + " ready").atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> {
                if (!process.isAlive()) {
                    fail("instance " + name + " exited with " + process.exitValue() + ":\n" + tail(log()));
                }
                try {
                    HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + managementPort
                            + "/q/health/ready")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    last.set(ready.statusCode() + " " + ready.body());
                    return ready.statusCode() == 200;
                } catch (IOException e) {
                    last.set(e.toString());
                    return false;
                }
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            fail("instance " + name + " not ready after " + timeout + " (" + last.get() + "):\n" + tail(log()));
        }
    }

    /** SIGTERM, as Kubernetes sends it, and wait for the process to end. */
    public void terminate(Duration timeout) throws Exception {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            fail("instance " + name + " ignored SIGTERM for " + timeout);
        }
    }

    /** SIGKILL: the process dies at once, nothing drained or flushed. */
    public void kill() throws Exception {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            fail("instance " + name + " survived SIGKILL for 30 s");
        }
    }

    /** Stops the process if it still runs: SIGTERM, then SIGKILL after 40 s. */
    public void stop() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(40, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    public String log() throws IOException {
        return Files.readString(logFile);
    }

    public static String tail(String log) {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }
}
