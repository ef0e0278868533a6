package io.uploadgateway.config;

import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * How long the ledger keeps what an upload that ended leaves behind. Without it a service that
 * starts a million uploads a day of 64 parts keeps 23 billion part rows after a year.
 */
public interface RetentionConfig {

    /**
     * An ended upload's part rows (and part checksums) are removed this long after it ended; the
     * upload row keeps its size, ETag, part count and counters.
     */
    @WithDefault("P7D")
    Duration parts();

    /** An ended upload's row itself is removed this long after it ended (never before its parts). */
    @WithDefault("P180D")
    Duration uploads();

    /** Uploads handled per batch, each batch one short transaction. */
    @WithDefault("500")
    int batchSize();

    /** Longest the retention step of one janitor sweep may take; the rest waits for the next sweep. */
    @WithDefault("PT1M")
    Duration sweepBudget();
}
