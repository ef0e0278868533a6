package io.uploadgateway.config;

import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Webhooks in the Standard Webhooks format: one signed POST per event, retried until delivered or dead. */
public interface WebhookConfig {
    /** The app backend's receiver; no webhooks while unset (events still go to the pull feed). */
    Optional<String> url();

    /** {@code whsec_} + base64 of the HMAC-SHA256 key; required with a URL. */
    Optional<String> secret();

    /** Longest one delivery attempt may take, connect to last byte; a slower answer counts as a failure. */
    @WithDefault("PT10S")
    Duration timeout();

    /** Wait before the first retry; doubled per failed attempt (with jitter) up to {@code max-backoff}. */
    @WithDefault("PT5S")
    Duration minBackoff();

    @WithDefault("PT1H")
    Duration maxBackoff();

    /** An event not delivered this long after it was written (or redelivered) is {@code dead}. */
    @WithDefault("P3D")
    Duration maxAge();

    /** Only these event types are sent (e.g. {@code upload.completed}); all while unset. */
    Optional<List<String>> eventTypes();

    /** Deliveries in flight at once per replica (and its connections to the receiver). */
    @WithDefault("8")
    int concurrency();

    /** How often an idle dispatcher looks for due events (it is also woken by this replica's own commits). */
    @WithDefault("PT1S")
    Duration pollInterval();
}
