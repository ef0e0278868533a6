package io.uploadgateway.config;

import io.smallrye.config.WithDefault;

public interface ListingConfig {
    @WithDefault("20")
    int defaultLimit();

    @WithDefault("100")
    int maxLimit();
}
