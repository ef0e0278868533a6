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
        return problems;
    }
}
