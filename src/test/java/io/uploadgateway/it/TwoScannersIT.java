package io.uploadgateway.it;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;
import io.uploadgateway.embedded.DevKeys;
import io.uploadgateway.embedded.EmbeddedClamd;
import io.uploadgateway.embedded.EmbeddedStack;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.PackagedGateway;
import io.uploadgateway.support.WebhookReceiver;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two gateway processes from the packaged jar, one ledger, one bucket, one clamd: uploads
 * completed on either pile up while clamd is down, then both replicas' runners go for them at once.
 * clamd's own log shows each upload scanned exactly once, and the app hears of each exactly once.
 */
class TwoScannersIT {

    private static final String ISSUER = "https://issuer.two-scanners.test";
    private static final String BUCKET = "two-scanners";
    private static final Path LOGS = Path.of("target", "two-scanners");
    private static final Pattern SCANNED = Pattern.compile(
            "(?m)^gateway_processing_verdicts_total\\{step=\"scan\",verdict=\"PASSED\",?} (\\S+)$");

    private static EmbeddedStack stack;
    private static EmbeddedClamd clamd;
    private static DevKeys keys;
    private static WebhookReceiver receiver;
    private static PackagedGateway a;
    private static PackagedGateway b;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(LOGS);
        stack = EmbeddedStack.start(null);
        clamd = EmbeddedClamd.start(Files.createTempDirectory("two-scanners-clamd"), 8L * 1024 * 1024);
        keys = DevKeys.in(LOGS.resolve("jwt"));
        receiver = WebhookReceiver.start();
        a = startInstance("a");
        b = startInstance("b");
        a.awaitReady(Duration.ofSeconds(90));
        b.awaitReady(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() throws Exception {
        for (PackagedGateway instance : new PackagedGateway[]{a, b}) {
            if (instance != null) {
                instance.stop();
            }
        }
        if (clamd != null) {
            clamd.close();
        }
        if (stack != null) {
            stack.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void twoReplicasNeverScanTheSameUploadTwice() throws Exception {
        String token = token("alice");
        long scansBefore = clamd.scansLogged();
        List<String> ids = new ArrayList<>();
        clamd.stop();
        try {
            for (int i = 0; i < 12; i++) {
                PackagedGateway gateway = i % 2 == 0 ? a : b;
                Gateway client = Gateway.on(gateway.url(), token);
                byte[] file = Bytes.random(200_000 + i, i);
                String id = client.start("scan-" + i + ".bin", file.length, null).getString("id");
                client.uploadPart(id, 1, file);
                client.complete(id).then().statusCode(200);
                ids.add(id);
            }
        } finally {
            clamd.start();
        }

        Gateway viaA = Gateway.on(a.url(), token);
        Awaitility.await("every upload scanned and served").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> ids.stream().allMatch(id -> "COMPLETED".equals(viaA.get(id).path("state"))));

        // clamd logs a scan just after it answers: wait for the lines, then none may be extra.
        Awaitility.await("clamd's log of the scans").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> clamd.scansLogged() - scansBefore >= ids.size());
        assertEquals(ids.size(), clamd.scansLogged() - scansBefore, "clamd scanned each upload once");
        assertEquals(ids.size(), scannedBy(a) + scannedBy(b), "A scanned " + scannedBy(a) + ", B " + scannedBy(b));
        receiver.await("every upload announced", Duration.ofSeconds(30),
                () -> ids.stream().allMatch(id -> receiver.acceptedOf(id).size() >= 3));
        for (String id : ids) {
            assertEquals(List.of("upload.created", "upload.processing", "upload.completed"),
                    receiver.acceptedOf(id).stream().map(WebhookReceiver.Delivery::type).toList(), id);
            assertEquals(1, viaA.get(id).jsonPath().getList("processing").size(), id);
        }
        assertEquals(Map.of(), receiver.duplicates());
    }

    private static long scannedBy(PackagedGateway instance) {
        String metrics = instance.management().accept("text/plain").get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = SCANNED.matcher(metrics);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private static String token(String subject) throws Exception {
        PrivateKey key = KeyUtils.decodePrivateKey(Files.readString(keys.privateKey()));
        Instant now = Instant.now();
        return Jwt.issuer(ISSUER).audience("upload-gateway").subject(subject).groups(Set.of("user"))
                .issuedAt(now.minusSeconds(5)).expiresAt(now.plusSeconds(3600)).sign(key);
    }

    private static PackagedGateway startInstance(String name) throws Exception {
        Map<String, String> config = new LinkedHashMap<>(stack.config());
        config.put("gateway.bucket", BUCKET);
        config.put("gateway.create-bucket", "true");
        config.put("mp.jwt.verify.issuer", ISSUER);
        config.put("mp.jwt.verify.publickey.location", keys.publicKey().toUri().toString());
        config.put("quarkus.http.port", String.valueOf(PackagedGateway.freePort()));
        config.put("gateway.webhook.url", receiver.webhookUrl());
        config.put("gateway.webhook.secret", receiver.secret());
        config.put("gateway.webhook.min-backoff", "PT0.2S");
        config.put("gateway.webhook.max-backoff", "PT1S");
        config.put("gateway.scan.clamd", clamd.address());
        config.put("gateway.processing.poll", "PT0.2S");
        config.put("gateway.processing.batch-size", "2");
        config.put("gateway.processing.retry-min", "PT0.2S");
        config.put("gateway.processing.retry-max", "PT0.5S");
        return PackagedGateway.start(name, config, LOGS);
    }
}
