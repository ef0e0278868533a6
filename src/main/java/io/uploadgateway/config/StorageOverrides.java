package io.uploadgateway.config;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A named store's bounds on its S3 calls where they differ from {@code gateway.storage.*}
 * ({@code gateway.stores.<name>.storage.call-timeout}, …): a bucket far away, or a slower store,
 * gets longer timeouts or more connections without loosening the others'.
 */
public interface StorageOverrides {

    Optional<Duration> callTimeout();

    Optional<Duration> attemptTimeout();

    Optional<Duration> connectTimeout();

    Optional<Duration> acquireTimeout();

    OptionalInt maxConnections();

    OptionalLong minThroughputBytesPerSecond();

    Optional<Duration> minThroughputTimeout();

    /** These overrides over {@code base}: what is not set here is {@code base}'s. */
    default StorageConfig over(StorageConfig base) {
        return new Bounds(callTimeout().orElse(base.callTimeout()), attemptTimeout().orElse(base.attemptTimeout()),
                connectTimeout().orElse(base.connectTimeout()), acquireTimeout().orElse(base.acquireTimeout()),
                maxConnections().orElse(base.maxConnections()),
                minThroughputBytesPerSecond().orElse(base.minThroughputBytesPerSecond()),
                minThroughputTimeout().orElse(base.minThroughputTimeout()));
    }

    /** Bounds as resolved for one store. */
    record Bounds(Duration callTimeout, Duration attemptTimeout, Duration connectTimeout, Duration acquireTimeout,
                  int maxConnections, long minThroughputBytesPerSecond, Duration minThroughputTimeout) implements StorageConfig {
    }
}
