package io.uploadgateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** The virus scan step: each assembled object streamed from storage to a ClamAV daemon ({@code INSTREAM}). */
public interface ScanConfig {

    /** {@code host:port} of clamd's TCP socket ({@code GATEWAY_SCAN_CLAMD}); unset: no scan step. */
    Optional<String> clamd();

    /**
     * The largest object scanned; keep it at or below clamd's {@code StreamMaxLength} (25M unless
     * raised). A larger object follows {@link #overLimit()}.
     */
    @WithDefault("25M")
    MemorySize maxSize();

    /** An object over {@link #maxSize()}: {@code quarantine} it, or {@code skip} the scan (recorded as SKIPPED). */
    @WithDefault("quarantine")
    String overLimit();

    /** Bytes read from storage and sent to clamd at a time; one scan holds two (one sent while the next is read). */
    @WithDefault("1M")
    MemorySize chunkSize();

    /** Longest one read, write or answer may take (connect included); then the scan is tried again later. */
    @WithDefault("PT30S")
    Duration callTimeout();

    /** Longest one whole scan may take; then it is tried again later. */
    @WithDefault("PT10M")
    Duration timeout();
}
