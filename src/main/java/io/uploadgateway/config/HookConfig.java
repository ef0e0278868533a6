package io.uploadgateway.config;

import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

public interface HookConfig {
    /** POSTed the signed intent before every create; 2xx allows, 4xx rejects; off while unset. */
    Optional<String> preCreateUrl();

    /** Longest the create waits for the hook; then it fails closed with 503 hook_unavailable. */
    @WithDefault("PT5S")
    Duration preCreateTimeout();

    /** {@code whsec_} key that signs hook calls; defaults to the webhook secret. */
    Optional<String> preCreateSecret();
}
