package io.uploadgateway.config;

import io.smallrye.config.WithDefault;
import java.time.Duration;

public interface PresignConfig {
    /** Lifetime of a presigned URL when the client does not ask for one. */
    @WithDefault("PT15M")
    Duration defaultExpiry();

    /** Longest lifetime a client may ask for (S3 itself allows at most 7 days). */
    @WithDefault("PT12H")
    Duration maxExpiry();
}
