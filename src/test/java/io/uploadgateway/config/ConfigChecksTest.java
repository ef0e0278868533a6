package io.uploadgateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Settings that cannot work together stop the gateway at startup, saying what to change. */
class ConfigChecksTest {

    private static List<String> problems(Map<String, String> values) {
        return ConfigChecks.problemsOf(config(values));
    }

    private static GatewayConfig config(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(values);
        all.put("gateway.bucket", "b");
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(GatewayConfig.class)
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withDefaultValues(all)
                .build();
        return config.getConfigMapping(GatewayConfig.class);
    }

    @Test
    void namedStoresAreReadFromPropertiesAndFromEnvironmentVariables() {
        GatewayConfig properties = config(Map.of("gateway.stores.eu.bucket", "uploads-eu", "gateway.stores.eu.region", "eu-central-1"));
        assertEquals("uploads-eu", properties.stores().get("eu").bucket());
        assertEquals("uploads", properties.stores().get("eu").keyPrefix());
        assertEquals(Optional.of("eu-central-1"), properties.stores().get("eu").region());
        assertTrue(properties.stores().get("eu").postObject());

        SmallRyeConfig env = new SmallRyeConfigBuilder()
                .withMapping(GatewayConfig.class)
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withDefaultValues(Map.of("gateway.bucket", "b"))
                .withSources(new io.smallrye.config.EnvConfigSource(Map.of("GATEWAY_STORES_EU_BUCKET", "uploads-eu",
                        "GATEWAY_STORES_EU_POST_OBJECT", "false"), 300))
                .build();
        NamedStoreConfig eu = env.getConfigMapping(GatewayConfig.class).stores().get("eu");
        assertEquals("uploads-eu", eu.bucket());
        assertFalse(eu.postObject());
    }

    @Test
    void aNamedStoreNeedsAUsableNameBothCredentialsAndAPrefixForTheSweep() {
        assertEquals(List.of(), problems(Map.of("gateway.stores.eu-1.bucket", "x")));
        List<String> problems = problems(Map.of("gateway.stores.EU.bucket", "x", "gateway.stores.acme.bucket", "y",
                "gateway.stores.acme.access-key-id", "id", "gateway.stores.bare.bucket", "z", "gateway.stores.bare.key-prefix", "/"));
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("gateway.stores.EU: a store's name must match")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("gateway.stores.acme.access-key-id and")), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("gateway.stores.bare.key-prefix is empty")), problems.toString());
    }

    @Test
    void theDefaultsHaveNoChecksumProblem() {
        assertEquals(List.of(), problems(Map.of()));
        assertEquals(List.of(), problems(Map.of("gateway.checksum-algorithm", "CRC32C")));
        assertEquals(List.of(), problems(Map.of("gateway.store.additional-checksums", "false")));
    }

    @Test
    void aDefaultAlgorithmMustBeKnownAndTheStoreMustCheckIt() {
        List<String> unknown = problems(Map.of("gateway.checksum-algorithm", "MD5"));
        assertEquals(1, unknown.size(), unknown.toString());
        assertTrue(unknown.get(0).contains("GATEWAY_CHECKSUM_ALGORITHM (MD5) must be one of"), unknown.get(0));

        List<String> unsupported = problems(Map.of("gateway.checksum-algorithm", "SHA256",
                "gateway.store.additional-checksums", "false"));
        assertEquals(1, unsupported.size(), unsupported.toString());
        assertTrue(unsupported.get(0).contains("GATEWAY_STORE_ADDITIONAL_CHECKSUMS=false"), unsupported.get(0));
    }

    @Test
    void aClaimMayGoStaleOnlyAfterTheLongestATransitionCanTake() {
        // Five S3 calls (ListParts with every page, complete or copy, head, the content check, a
        // removal) and two ledger statements: 5 x 30 s + 2 x 5 s with the defaults.
        assertEquals(java.time.Duration.ofSeconds(160), ConfigChecks.longestTransition(config(Map.of())));
        List<String> tooSoon = problems(Map.of("gateway.claims.stale-after", "PT2M"));
        assertEquals(1, tooSoon.size(), tooSoon.toString());
        assertTrue(tooSoon.get(0).contains("GATEWAY_CLAIMS_STALE_AFTER (PT2M) must be at least"), tooSoon.get(0));
        assertEquals(List.of(), problems(Map.of("gateway.claims.stale-after", "PT20S", "gateway.storage.call-timeout", "PT3S",
                "gateway.ledger.statement-timeout", "PT2S")));
        // A store with longer calls makes the longest transition longer.
        assertEquals(java.time.Duration.ofSeconds(5 * 90 + 2 * 5), ConfigChecks.longestTransition(config(Map.of(
                "gateway.stores.far.bucket", "x", "gateway.stores.far.storage.call-timeout", "PT90S"))));
    }

    @Test
    void aNamedStoreKeepsTheGatewaysCallBoundsExceptWhereItSetsItsOwn() {
        GatewayConfig config = config(Map.of("gateway.storage.connect-timeout", "PT2S", "gateway.stores.far.bucket", "x",
                "gateway.stores.far.storage.call-timeout", "PT90S", "gateway.stores.far.storage.max-connections", "8"));
        StorageConfig far = config.stores().get("far").bounds(config.storage());
        assertEquals(java.time.Duration.ofSeconds(90), far.callTimeout());
        assertEquals(8, far.maxConnections());
        assertEquals(java.time.Duration.ofSeconds(2), far.connectTimeout(), "the gateway's own setting");
        assertEquals(config.storage().attemptTimeout(), far.attemptTimeout(), "the gateway's default");
        assertEquals(config.storage().minThroughputBytesPerSecond(), far.minThroughputBytesPerSecond());
    }

    @Test
    void theFeedTheOperatorsAndTheUsersAreThreeDifferentGroups() {
        assertEquals("upload-gateway-events", config(Map.of()).events().feedGroup(), "namespaced by default, like the admin role");
        for (Map<String, String> same : List.of(Map.of("gateway.events.feed-group", "upload-gateway-admin"),
                Map.of("gateway.events.feed-group", "user"), Map.of("gateway.admin-role", "user"),
                Map.of("gateway.admin-role", "ops", "gateway.events.feed-group", "ops"))) {
            List<String> refused = problems(same);
            assertEquals(1, refused.size(), same + ": " + refused);
            assertTrue(refused.get(0).contains("must be three different groups"), refused.get(0));
        }
        assertEquals(List.of(), problems(Map.of("gateway.admin-role", "ops", "gateway.events.feed-group", "billing")));
    }

    @Test
    void aConnectionIsClosedForSilenceOnlyAfterAWorkingServerWouldHaveAnswered() {
        LedgerConfig defaults = config(Map.of()).ledger();
        assertEquals(java.time.Duration.ofSeconds(10), defaults.acquireTimeout().plus(defaults.silenceTimeout()),
                "a call that needs the ledger answers within 10 s by default");
        for (String silence : List.of("PT5S", "PT4S")) {
            List<String> refused = problems(Map.of("gateway.ledger.silence-timeout", silence));
            assertEquals(1, refused.size(), silence + ": " + refused);
            assertTrue(refused.get(0).contains("GATEWAY_LEDGER_SILENCE_TIMEOUT (" + silence + ") must exceed"), refused.get(0));
        }
        assertEquals(List.of(), problems(Map.of("gateway.ledger.silence-timeout", "PT3S", "gateway.ledger.statement-timeout", "PT2S")));
    }

    @Test
    void anUploadRowOutlivesItsParts() {
        assertEquals(List.of(), problems(Map.of()), "7 days for parts, 180 for rows");
        List<String> refused = problems(Map.of("gateway.retention.uploads", "P3D"));
        assertEquals(1, refused.size(), refused.toString());
        assertTrue(refused.get(0).startsWith("GATEWAY_RETENTION_UPLOADS (PT72H) must be at least GATEWAY_RETENTION_PARTS (PT168H)"),
                refused.get(0));
        assertEquals(1, problems(Map.of("gateway.retention.batch-size", "0")).size());
    }

    @Test
    void processingStepsAreOffUnlessAScannerOrAWebhookIsConfigured() {
        assertFalse(config(Map.of()).processes());
        assertFalse(config(Map.of("gateway.scan.clamd", " ")).processes());
        assertTrue(config(Map.of("gateway.scan.clamd", "clamav:3310")).processes());
        assertTrue(config(Map.of("gateway.processing.webhook.url", "https://app.example/verdicts",
                "gateway.webhook.secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).processes());
    }

    @Test
    void processingSettingsThatCannotWorkAreRefused() {
        assertEquals(List.of(), problems(Map.of("gateway.scan.clamd", "clamav:3310")));
        List<String> problems = problems(Map.of("gateway.scan.clamd", "clamav:3310", "gateway.processing.quarantine", "keep",
                "gateway.scan.over-limit", "allow", "gateway.processing.lease", "PT5M", "gateway.scan.timeout", "PT10M",
                "gateway.processing.webhook.url", "https://app.example/verdicts"));
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("GATEWAY_PROCESSING_QUARANTINE (keep) must be move or delete"), problems.get(0));
        assertTrue(problems.get(1).contains("GATEWAY_SCAN_OVER_LIMIT (allow)"), problems.get(1));
        assertTrue(problems.get(2).startsWith("GATEWAY_PROCESSING_LEASE (PT5M) must outlast the longest step (PT10M)"), problems.get(2));
        assertTrue(problems.get(3).startsWith("GATEWAY_PROCESSING_WEBHOOK_SECRET (or GATEWAY_WEBHOOK_SECRET) is required"),
                problems.get(3));
    }
}
