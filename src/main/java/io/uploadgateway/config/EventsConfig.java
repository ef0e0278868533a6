package io.uploadgateway.config;

import io.smallrye.config.WithDefault;
import java.time.Duration;

public interface EventsConfig {
    /**
     * The JWT group whose tokens may read {@code GET /api/v1/events}: every owner's filenames, keys
     * and metadata, so a group your identity provider reserves for backend services. Namespaced by
     * default, like the admin role; startup refuses it equal to the admin role or the users' group.
     */
    @WithDefault("upload-gateway-events")
    String feedGroup();

    /** Delivered (and never-to-be-sent) events are pruned this long after delivery (or writing). */
    @WithDefault("P7D")
    Duration retention();

    /** Dead events are kept this long for operators to redeliver, then pruned. */
    @WithDefault("P30D")
    Duration deadRetention();

    /** How often a replica prunes events past their retention. */
    @WithDefault("PT10M")
    Duration pruneInterval();
}
