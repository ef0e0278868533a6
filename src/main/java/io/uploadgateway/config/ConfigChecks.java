package io.uploadgateway.config;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.ArrayList;
import java.util.List;

/**
 * Settings that are each valid but dangerous together stop the gateway at startup, with what to
 * change, rather than surprising an operator later.
 */
@ApplicationScoped
public class ConfigChecks {

    /** The additional checksums an upload may be created with (the names S3 uses). */
    public static final List<String> CHECKSUM_ALGORITHMS = List.of("SHA256", "SHA1", "CRC32", "CRC32C");

    void onStart(@Observes StartupEvent event, GatewayConfig config) {
        List<String> problems = problemsOf(config);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("upload-gateway configuration: " + String.join("; ", problems));
        }
    }

    static List<String> problemsOf(GatewayConfig config) {
        List<String> problems = new ArrayList<>();
        if (config.orphanSweepEnabled() && config.keyRoot().isEmpty()) {
            problems.add("GATEWAY_KEY_PREFIX is empty while the orphan sweep is on: the sweep would abort other"
                    + " applications' multipart uploads; set a prefix of this deployment's own, or GATEWAY_ORPHAN_SWEEP_ENABLED=false");
        }
        long maxAgeDays = config.maxUploadAge().toDays();
        if (config.effectiveLifecycleAbortDays() <= maxAgeDays) {
            problems.add("GATEWAY_LIFECYCLE_ABORT_DAYS (" + config.effectiveLifecycleAbortDays() + ") must exceed GATEWAY_MAX_UPLOAD_AGE ("
                    + config.maxUploadAge() + "), or the bucket's lifecycle rule kills uploads the ledger still runs");
        }
        if (config.claims().staleAfter().compareTo(config.storage().callTimeout().multipliedBy(3)) < 0) {
            problems.add("GATEWAY_CLAIMS_STALE_AFTER (" + config.claims().staleAfter() + ") must be at least three S3 call timeouts ("
                    + config.storage().callTimeout().multipliedBy(3) + "), or a slow completion is taken over while it runs");
        }
        config.checksumAlgorithm().ifPresent(algorithm -> {
            if (!CHECKSUM_ALGORITHMS.contains(algorithm)) {
                problems.add("GATEWAY_CHECKSUM_ALGORITHM (" + algorithm + ") must be one of " + CHECKSUM_ALGORITHMS + " or unset");
            } else if (!config.store().additionalChecksums()) {
                problems.add("GATEWAY_CHECKSUM_ALGORITHM (" + algorithm + ") is set while GATEWAY_STORE_ADDITIONAL_CHECKSUMS=false:"
                        + " the store would refuse every part; unset one of them");
            }
        });
        return problems;
    }
}
