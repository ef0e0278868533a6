package io.uploadgateway.config;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * The processing stage between an object assembled in storage and an upload served: its steps
 * ({@code gateway.scan.*}, the webhook below) run on every replica's workers, an upload at a time
 * per runner, each taken with a lease so a replica that dies mid-step is taken over.
 */
public interface ProcessingConfig {

    /** How often each replica asks the ledger for uploads due a step. */
    @WithDefault("PT1S")
    Duration poll();

    /** Uploads one replica takes per poll. */
    @WithDefault("8")
    int batchSize();

    /** Steps one replica runs at once (a scan holds at most two chunks in memory). */
    @WithDefault("2")
    int concurrency();

    /**
     * How long a replica holds an upload it took: another replica takes it over once this has
     * passed (its replica died mid-step). Longer than any step may take (the scan's and the
     * webhook's timeouts; checked at startup).
     */
    @WithDefault("PT15M")
    Duration lease();

    /** The first pause before a step that could not answer (scanner down, verdict pending) is tried again; it doubles. */
    @WithDefault("PT5S")
    Duration retryMin();

    /** The longest pause between two tries of a step. */
    @WithDefault("PT5M")
    Duration retryMax();

    /** What happens to a failed upload's object: {@code move} (to {@code <prefix>/quarantine/…}) or {@code delete}. */
    @WithDefault("move")
    String quarantine();

    ProcessingWebhookConfig webhook();

    /** A step that asks the app backend for its verdict (its own scanner, moderation); off while the URL is unset. */
    interface ProcessingWebhookConfig {

        /** POSTed the signed {@code upload.processing} event; answers {@code {"verdict": "pass"|"fail", "reason"}} or 202 (ask again later). */
        Optional<String> url();

        /** Longest one call waits for the answer; then the step is tried again later. */
        @WithDefault("PT10S")
        Duration timeout();

        /** {@code whsec_} key that signs the calls; defaults to the webhook secret. */
        Optional<String> secret();
    }
}
