package io.uploadgateway.config;

import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Bounds on every S3 call: a hung or crawling endpoint fails a call, never a thread or the pool. */
public interface StorageConfig {
    /** Longest any S3 call may take, retries included (CompleteMultipartUpload, each ListParts page, …). */
    @WithDefault("PT30S")
    Duration callTimeout();

    /** Longest one HTTP attempt of a quick call (create, head, abort, a listing page) before the SDK retries. */
    @WithDefault("PT10S")
    Duration attemptTimeout();

    /** Longest a new TCP/TLS connection to S3 may take to open. */
    @WithDefault("PT5S")
    Duration connectTimeout();

    /** Longest a call may wait for a free connection of the client's pool. */
    @WithDefault("PT10S")
    Duration acquireTimeout();

    /** Connections to S3 open at once (the CRT client's pool). */
    @WithDefault("64")
    int maxConnections();

    /** A connection moving fewer bytes per second than this for {@code min-throughput-timeout} is dropped. */
    @WithDefault("1024")
    long minThroughputBytesPerSecond();

    @WithDefault("PT10S")
    Duration minThroughputTimeout();
}
