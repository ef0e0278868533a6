package io.uploadgateway.it;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;
import io.uploadgateway.embedded.DevKeys;
import io.uploadgateway.embedded.EmbeddedStack;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.PackagedGateway;
import io.uploadgateway.upload.ObjectKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.hamcrest.Description;
import org.hamcrest.TypeSafeMatcher;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two deployments, one bucket: two gateways from the packaged jar, each with a ledger of its own
 * (two databases), share one bucket and the default key prefix, and each runs its janitor every
 * second with a one-second orphan grace. Each deployment's uploads stay alive in the other's
 * sweeps, while each still aborts its own orphans (a multipart upload under its own deployment id
 * that its ledger does not know: a crash between CreateMultipartUpload and the ledger insert).
 * <p>
 * Before deployment ids were part of the key, both deployments built {@code uploads/<owner>/<id>/<file>}
 * and each aborted the other's open uploads as orphans: the upload on A could not complete.
 */
class TwoDeploymentsIT {

    private static final String ISSUER = "https://issuer.two-deployments.test";
    private static final String BUCKET = "two-deployments";
    private static final String AUDIENCE = "upload-gateway";
    private static final int MIB = 1024 * 1024;
    private static final Path LOGS = Path.of("target", "two-deployments");
    private static final Pattern ROOT = Pattern.compile("^uploads/([a-z0-9]{12})/");

    private static EmbeddedStack stack;
    private static DevKeys keys;
    private static PackagedGateway a;
    private static PackagedGateway b;

    @BeforeAll
    static void startTwoDeploymentsOnOneBucket() throws Exception {
        Files.createDirectories(LOGS);
        stack = EmbeddedStack.start(null);
        keys = DevKeys.in(LOGS.resolve("jwt"));
        try (Connection db = postgres("postgres")) {
            db.createStatement().execute("create database second");
        }
        a = start("a", "postgres");
        b = start("b", "second");
        a.awaitReady(Duration.ofSeconds(90));
        b.awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stopEverything() throws Exception {
        for (PackagedGateway instance : Arrays.asList(a, b)) {
            if (instance != null) {
                instance.stop();
            }
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void eachJanitorSweepsOnlyItsOwnDeploymentsKeys() throws Exception {
        // An upload on each deployment, left open with a part sent.
        byte[] file = Bytes.random(5 * MIB + 40_000, 7);
        Map<String, Object> onA = open(a, "alice", file);
        Map<String, Object> onB = open(b, "bob", file);
        String deploymentA = deploymentOf((String) onA.get("key"));
        String deploymentB = deploymentOf((String) onB.get("key"));
        assertNotEquals(deploymentA, deploymentB, "each ledger drew its own deployment id");
        assertEquals(deploymentA, deploymentIn("postgres"), "the key carries the id stored in A's ledger");

        // B's own orphan: its pattern, its deployment id, no row in its ledger.
        try (S3Client s3 = s3()) {
            String orphanKey = ObjectKeys.forUpload("uploads/" + deploymentB + "/", "crashed", UUID.randomUUID(), "half-created.bin");
            String orphan = s3.createMultipartUpload(r -> r.bucket(BUCKET).key(orphanKey)).uploadId();

            await("B's janitor aborted its own orphan, and both janitors swept a few times since")
                    .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> new Sweeps(pending(s3).contains(orphan), runs(a), runs(b)),
                            new TypeSafeMatcher<Sweeps>() {
                                @Override
                                protected boolean matchesSafely(Sweeps sweeps) {
                                    return !sweeps.orphanPending() && sweeps.runsOfA() >= 3 && sweeps.runsOfB() >= 3;
                                }

                                @Override
                                public void describeTo(Description description) {
                                    description.appendText("the orphan gone and three sweeps on each");
                                }
                            });

            List<String> left = pending(s3);
            assertTrue(left.contains(onA.get("s3UploadId")), "A's open upload survived B's sweeps: " + left);
            assertTrue(left.contains(onB.get("s3UploadId")), "B's open upload survived A's sweeps: " + left);
            assertEquals(0.0, metric(a, "gateway_janitor_orphans_aborted_total"), "A aborted nothing of B's");
            assertEquals(1.0, metric(b, "gateway_janitor_orphans_aborted_total"), "B aborted its own orphan only");
        }

        // Both uploads complete, each on its own deployment.
        for (var upload : List.of(Map.entry(a, onA), Map.entry(b, onB))) {
            PackagedGateway gateway = upload.getKey();
            String id = (String) upload.getValue().get("id");
            Gateway client = Gateway.on(gateway.url(), (String) upload.getValue().get("token"));
            Gateway.S3Answer last = Gateway.put(client.presign(id, List.of(2), null).get(2), Arrays.copyOfRange(file, 5 * MIB, file.length));
            assertEquals(200, last.status(), last.body());
            client.record(id, 2, last.etag()).then().statusCode(200);
            client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));
            String url = client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(200).extract().path("url");
            assertEquals(Bytes.sha256(file), Bytes.sha256(Gateway.download(url).body()), gateway.name() + ": the object is the file");
        }
    }

    private record Sweeps(boolean orphanPending, double runsOfA, double runsOfB) {
    }

    /** Creates an upload of {@code file} on {@code gateway} and sends its first part: id, key, token, s3UploadId. */
    private static Map<String, Object> open(PackagedGateway gateway, String user, byte[] file) throws Exception {
        String token = token(user);
        Gateway client = Gateway.on(gateway.url(), token);
        String id = client.start("shared-bucket.bin", file.length, (long) 5 * MIB).getString("id");
        Gateway.S3Answer first = Gateway.put(client.presign(id, List.of(1), null).get(1), Arrays.copyOfRange(file, 0, 5 * MIB));
        assertEquals(200, first.status(), first.body());
        client.record(id, 1, first.etag()).then().statusCode(200);
        String key = client.get(id).then().statusCode(200).extract().path("key");
        Map<String, Object> upload = new LinkedHashMap<>();
        upload.put("id", id);
        upload.put("key", key);
        upload.put("token", token);
        upload.put("s3UploadId", s3UploadIdOf(gateway == a ? "postgres" : "second", id));
        return upload;
    }

    private static String deploymentOf(String key) {
        Matcher matcher = ROOT.matcher(key);
        assertTrue(matcher.find(), "a key of the gateway starts with the prefix and the deployment id: " + key);
        return matcher.group(1);
    }

    private static String deploymentIn(String database) throws Exception {
        return single(database, "select id from deployment");
    }

    private static String s3UploadIdOf(String database, String id) throws Exception {
        return single(database, "select s3_upload_id from uploads where id = '" + UUID.fromString(id) + "'");
    }

    private static String single(String database, String sql) throws Exception {
        try (Connection db = postgres(database); ResultSet rows = db.createStatement().executeQuery(sql)) {
            assertTrue(rows.next(), sql);
            return rows.getString(1);
        }
    }

    private static List<String> pending(S3Client s3) {
        return s3.listMultipartUploads(r -> r.bucket(BUCKET)).uploads().stream().map(MultipartUpload::uploadId).toList();
    }

    private static double runs(PackagedGateway gateway) {
        return metric(gateway, "gateway_janitor_runs_total");
    }

    private static double metric(PackagedGateway gateway, String name) {
        String scrape = gateway.management().get("/q/metrics").then().statusCode(200).extract().asString();
        return scrape.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static Connection postgres(String database) throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://localhost:" + stack.postgresPort() + "/" + database,
                "postgres", "postgres");
    }

    private static S3Client s3() {
        return S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(URI.create(stack.s3Endpoint())).forcePathStyle(true).region(Region.of(EmbeddedStack.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY)))
                .build();
    }

    private static String token(String subject) throws Exception {
        Instant now = Instant.now();
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject(subject).groups(Set.of("user"))
                .issuedAt(now.minusSeconds(5)).expiresAt(now.plusSeconds(3600))
                .sign(KeyUtils.decodePrivateKey(Files.readString(keys.privateKey())));
    }

    /** One deployment: its own database on the shared PostgreSQL, the shared bucket, the default key prefix. */
    private static PackagedGateway start(String name, String database) throws Exception {
        Map<String, String> config = new LinkedHashMap<>(stack.config());
        config.put("quarkus.datasource.reactive.url", "postgresql://localhost:" + stack.postgresPort() + "/" + database);
        config.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://localhost:" + stack.postgresPort() + "/" + database);
        config.put("gateway.bucket", BUCKET);
        config.put("gateway.create-bucket", "true");
        config.put("mp.jwt.verify.issuer", ISSUER);
        config.put("mp.jwt.verify.publickey.location", keys.publicKey().toUri().toString());
        config.put("quarkus.http.port", String.valueOf(PackagedGateway.freePort()));
        config.put("gateway.janitor-first-delay", "PT1S");
        config.put("gateway.janitor-interval", "PT1S");
        config.put("gateway.orphan-grace", "PT1S");
        return PackagedGateway.start(name, config, LOGS);
    }
}
