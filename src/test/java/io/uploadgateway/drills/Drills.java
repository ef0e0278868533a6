package io.uploadgateway.drills;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.uploadgateway.embedded.EmbeddedStack;
import io.uploadgateway.support.Ledger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the reliability drills share: their configuration (short bounds, so a drill takes seconds),
 * and small helpers to read metrics, the ledger and S3 behind the fault-injecting proxy.
 */
final class Drills {

    // One configuration for every in-JVM drill on a FaultyS3 stack: the classes share one
    // application (and stack) because their @ResourceArgs are identical.
    static final String CALL_TIMEOUT = "PT3S";
    static final String ATTEMPT_TIMEOUT = "PT1S";
    static final String CLAIMS_WAIT = "PT2S";
    static final String STATEMENT_TIMEOUT = "PT2S";
    /** ConfigChecks: at least the longest transition, five call timeouts and two statement timeouts (19 s). */
    static final String STALE_AFTER = "PT20S";

    static final Duration CALL = Duration.parse(CALL_TIMEOUT);
    static final Duration WAIT = Duration.parse(CLAIMS_WAIT);
    static final Duration STALE = Duration.parse(STALE_AFTER);
    /** S3MultipartStorage fails every call by call-timeout + 2 s even if the SDK's own timeouts did not fire. */
    static final Duration HARD_BOUND = CALL.plusSeconds(2);
    /** Room for a loaded 2-core machine on top of a configured bound: never part of what is proven. */
    static final Duration SLACK = Duration.ofSeconds(10);

    static final Path REPORTS = Path.of("target", "drills");

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    static final ObjectMapper JSON = new ObjectMapper();

    /** One call's answer during a drill: its problem code and Retry-After, and when it came (ms since a phase began). */
    record Answer(String call, int status, String code, String retryAfter, double millis) {
    }

    private Drills() {
    }

    /** The sum of a Prometheus counter's samples at {@code base} (e.g. {@code http://localhost:8081/}). */
    static double metric(URI base, String name) throws IOException, InterruptedException {
        HttpResponse<String> scrape = HTTP.send(HttpRequest.newBuilder(base.resolve("/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        double sum = 0;
        for (String line : scrape.body().lines().toList()) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** The multipart upload id S3 gave the upload, from the ledger. */
    static String s3UploadId(String id) throws SQLException {
        return column(id, "s3_upload_id");
    }

    static String state(String id) throws SQLException {
        return column(id, "state");
    }

    static String column(String id, String column) throws SQLException {
        try (Connection c = Ledger.connect();
             PreparedStatement q = c.prepareStatement("select " + column + " from uploads where id = ?::uuid")) {
            q.setString(1, id);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("no upload " + id + " in the ledger");
                }
                return rs.getString(1);
            }
        }
    }

    static int update(String sql, Object... params) throws SQLException {
        try (Connection c = Ledger.connect(); PreparedStatement q = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                q.setObject(i + 1, params[i]);
            }
            return q.executeUpdate();
        }
    }

    static long count(String sql, Object... params) throws SQLException {
        try (Connection c = Ledger.connect(); PreparedStatement q = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                q.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** A plain S3 client straight to the stack's S3Proxy, behind the gateway's back (and the fault proxy's). */
    static S3Client directS3(EmbeddedStack stack) {
        return S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(URI.create(stack.s3Endpoint()))
                .forcePathStyle(true)
                .region(Region.of(EmbeddedStack.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
    }

    /** The q-quantile (0..1) of durations in milliseconds, nearest rank. */
    static double percentile(List<Double> millis, double q) {
        if (millis.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** Prints a drill's numbers and keeps them in {@code target/drills/<drill>.txt} for the README. */
    static void report(String drill, String line) {
        String text = "DRILL " + drill + ": " + line;
        System.out.println(text);
        try {
            Files.createDirectories(REPORTS);
            Files.writeString(REPORTS.resolve(drill + ".txt"), text + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("could not write the drill report: " + e);
        }
    }

    static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    /** Sends {@code request} and notes its answer with the time since {@code since} (nanos). */
    static CompletableFuture<Answer> send(String call, HttpRequest request, long since) {
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
            String code = null;
            try {
                code = JSON.readTree(response.body()).path("code").asText(null);
            } catch (Exception ignored) {
                // not JSON: the assertion shows the status
            }
            return new Answer(call, response.statusCode(), code, response.headers().firstValue("Retry-After").orElse(null),
                    millisSince(since));
        });
    }

    /** The status ({@code UP}, {@code DOWN}) of the named check in a health answer, or {@code missing}. */
    static String check(String health, String name) {
        try {
            for (JsonNode check : JSON.readTree(health).path("checks")) {
                if (name.equals(check.path("name").asText())) {
                    return check.path("status").asText();
                }
            }
        } catch (Exception ignored) {
            // not the health JSON
        }
        return "missing";
    }
}
