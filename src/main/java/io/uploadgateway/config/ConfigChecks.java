package io.uploadgateway.config;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Settings that are each valid but dangerous together stop the gateway at startup, with what to
 * change, rather than surprising an operator later.
 */
@ApplicationScoped
public class ConfigChecks {

    /** The additional checksums an upload may be created with (the names S3 uses). */
    /** A store's name as the ledger, the events and the metrics carry it (the ledger's check says the same). */
    public static final java.util.regex.Pattern STORE_NAME = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    public static final List<String> CHECKSUM_ALGORITHMS = List.of("SHA256", "SHA1", "CRC32", "CRC32C");

    void onStart(@Observes StartupEvent event, GatewayConfig config) {
        List<String> problems = problemsOf(config);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("upload-gateway configuration: " + String.join("; ", problems));
        }
    }

    /**
     * The S3 calls a claimed transition makes at most, each bounded by the call timeout: ListParts
     * (every page, one bound), CompleteMultipartUpload or CopyObject, HeadObject, the content
     * check's read, and a removal (AbortMultipartUpload or DeleteObject) when a check refuses.
     */
    static final int CALLS_PER_TRANSITION = 5;
    /** Its ledger work meanwhile, each bounded by the statement timeout: the checks' reads, and the finishing write. */
    static final int STATEMENTS_PER_TRANSITION = 2;

    /** The longest a claimed transition (a completion, an abort, an expiry) may take from its claim to its finish. */
    public static Duration longestTransition(GatewayConfig config) {
        Duration longestCall = config.stores().values().stream()
                .map(store -> store.bounds(config.storage()).callTimeout())
                .reduce(config.storage().callTimeout(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
        return longestCall.multipliedBy(CALLS_PER_TRANSITION)
                .plus(config.ledger().statementTimeout().multipliedBy(STATEMENTS_PER_TRANSITION));
    }

    /** The group the gateway's own tools give every ordinary user (dev tokens, deploy/mint-token.sh). */
    public static final String USER_GROUP = "user";

    static List<String> problemsOf(GatewayConfig config) {
        List<String> problems = new ArrayList<>();
        String admins = config.adminRole().strip();
        String feed = config.events().feedGroup().strip();
        if (admins.equals(feed) || admins.equals(USER_GROUP) || feed.equals(USER_GROUP)) {
            problems.add("GATEWAY_ADMIN_ROLE (" + admins + "), GATEWAY_EVENTS_FEED_GROUP (" + feed + ") and the ordinary users' group ("
                    + USER_GROUP + ") must be three different groups: every token of the feed's group reads every owner's filenames,"
                    + " keys and metadata, and every token of the admin role manages every upload");
        }
        if (config.orphanSweepEnabled() && config.keyRoot().isEmpty()) {
            problems.add("GATEWAY_KEY_PREFIX is empty while the orphan sweep is on: the sweep would abort other"
                    + " applications' multipart uploads; set a prefix of this deployment's own, or GATEWAY_ORPHAN_SWEEP_ENABLED=false");
        }
        config.stores().forEach((name, store) -> {
            String key = "gateway.stores." + name;
            if (!STORE_NAME.matcher(name).matches() || name.equals(GatewayConfig.DEFAULT_STORE)) {
                problems.add(key + ": a store's name must match " + STORE_NAME.pattern() + " and not be \""
                        + GatewayConfig.DEFAULT_STORE + "\" (the store of GATEWAY_BUCKET)");
            }
            if (store.accessKeyId().isPresent() != store.secretAccessKey().isPresent()) {
                problems.add(key + ".access-key-id and " + key + ".secret-access-key go together: set both, or neither for the"
                        + " default store's credentials");
            }
            if (config.orphanSweepEnabled() && GatewayConfig.rootOf(store.keyPrefix()).isEmpty()) {
                problems.add(key + ".key-prefix is empty while the orphan sweep is on: the sweep would abort other applications'"
                        + " multipart uploads in bucket " + store.bucket());
            }
        });
        config.storeByClaim().forEach((value, store) -> {
            if (!store.equals(GatewayConfig.DEFAULT_STORE) && !config.stores().containsKey(store)) {
                problems.add("gateway.store-by-claim." + value + " names store " + store + ", which is not configured"
                        + " (gateway.stores." + store + ".bucket)");
            }
        });
        if (!config.storeByClaim().isEmpty() && config.storeClaim().isEmpty()) {
            problems.add("gateway.store-by-claim is set without gateway.store-claim: name the token's claim that chooses the store");
        }
        long maxAgeDays = config.maxUploadAge().toDays();
        if (config.effectiveLifecycleAbortDays() <= maxAgeDays) {
            problems.add("GATEWAY_LIFECYCLE_ABORT_DAYS (" + config.effectiveLifecycleAbortDays() + ") must exceed GATEWAY_MAX_UPLOAD_AGE ("
                    + config.maxUploadAge() + "), or the bucket's lifecycle rule kills uploads the ledger still runs");
        }
        if (config.authCookie().name().startsWith("__Host-") && !config.authCookie().secure()) {
            problems.add("GATEWAY_AUTH_COOKIE_NAME (" + config.authCookie().name() + ") starts with __Host-, which browsers accept only"
                    + " with Secure: keep GATEWAY_AUTH_COOKIE_SECURE=true, or name the cookie without the prefix");
        }
        if (config.ledger().silenceTimeout().compareTo(config.ledger().statementTimeout()) <= 0) {
            problems.add("GATEWAY_LEDGER_SILENCE_TIMEOUT (" + config.ledger().silenceTimeout() + ") must exceed"
                    + " GATEWAY_LEDGER_STATEMENT_TIMEOUT (" + config.ledger().statementTimeout() + "): a connection is closed when"
                    + " PostgreSQL says nothing that long, and a working server answers or cancels a statement first");
        }
        if (config.retention().uploads().compareTo(config.retention().parts()) < 0) {
            problems.add("GATEWAY_RETENTION_UPLOADS (" + config.retention().uploads() + ") must be at least GATEWAY_RETENTION_PARTS ("
                    + config.retention().parts() + "): an upload's row outlives its parts");
        }
        if (config.retention().batchSize() < 1) {
            problems.add("GATEWAY_RETENTION_BATCH_SIZE (" + config.retention().batchSize() + ") must be at least 1");
        }
        Duration transition = longestTransition(config);
        if (config.claims().staleAfter().compareTo(transition) < 0) {
            problems.add("GATEWAY_CLAIMS_STALE_AFTER (" + config.claims().staleAfter() + ") must be at least the longest a claimed"
                    + " transition may take (" + transition + ": " + CALLS_PER_TRANSITION + " S3 calls of the longest call timeout of any store and "
                    + STATEMENTS_PER_TRANSITION + " of GATEWAY_LEDGER_STATEMENT_TIMEOUT), or a slow completion is taken over while it runs");
        }
        config.checksumAlgorithm().ifPresent(algorithm -> {
            if (!CHECKSUM_ALGORITHMS.contains(algorithm)) {
                problems.add("GATEWAY_CHECKSUM_ALGORITHM (" + algorithm + ") must be one of " + CHECKSUM_ALGORITHMS + " or unset");
            } else if (config.store().additionalChecksums().equals(Optional.of(false))) {
                problems.add("GATEWAY_CHECKSUM_ALGORITHM (" + algorithm + ") is set while GATEWAY_STORE_ADDITIONAL_CHECKSUMS=false:"
                        + " the store would refuse every part; unset one of them");
            }
        });
        problems.addAll(processingProblems(config));
        return problems;
    }

    static List<String> processingProblems(GatewayConfig config) {
        List<String> problems = new ArrayList<>();
        ProcessingConfig processing = config.processing();
        if (!List.of("move", "delete").contains(processing.quarantine())) {
            problems.add("GATEWAY_PROCESSING_QUARANTINE (" + processing.quarantine() + ") must be move or delete");
        }
        if (!List.of("quarantine", "skip").contains(config.scan().overLimit())) {
            problems.add("GATEWAY_SCAN_OVER_LIMIT (" + config.scan().overLimit() + ") must be quarantine or skip");
        }
        if (config.scan().chunkSize().asLongValue() < 1 || config.scan().chunkSize().asLongValue() > 64L * 1024 * 1024) {
            problems.add("GATEWAY_SCAN_CHUNK_SIZE must be between 1 byte and 64M (each scan holds two chunks in memory)");
        }
        if (processing.concurrency() < 1 || processing.batchSize() < 1) {
            problems.add("GATEWAY_PROCESSING_CONCURRENCY and GATEWAY_PROCESSING_BATCH_SIZE must be at least 1");
        }
        Duration longestStep = config.scan().timeout().compareTo(processing.webhook().timeout()) > 0
                ? config.scan().timeout() : processing.webhook().timeout();
        if (config.processes() && processing.lease().compareTo(longestStep.plus(config.storage().callTimeout().multipliedBy(3))) <= 0) {
            problems.add("GATEWAY_PROCESSING_LEASE (" + processing.lease() + ") must outlast the longest step (" + longestStep
                    + ") and the quarantine's storage calls (3 × " + config.storage().callTimeout() + "): a replica still at work"
                    + " would be taken over");
        }
        if (processing.webhook().url().filter(url -> !url.isBlank()).isPresent()
                && processing.webhook().secret().or(() -> config.webhook().secret()).isEmpty()) {
            problems.add("GATEWAY_PROCESSING_WEBHOOK_SECRET (or GATEWAY_WEBHOOK_SECRET) is required with GATEWAY_PROCESSING_WEBHOOK_URL:"
                    + " the app must be able to tell the gateway's calls from anyone else's");
        }
        return problems;
    }
}
