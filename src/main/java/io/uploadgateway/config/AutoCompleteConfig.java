package io.uploadgateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;

/** Server-side completion of uploads created with {@code autoComplete} (apps that sleep before they could complete). */
public interface AutoCompleteConfig {
    /** Whether an upload is auto-completed when its create request does not say. */
    @WithName("default")
    @WithDefault("false")
    boolean byDefault();

    /** The shortest pause between two looks at one upload (the floor of the back-off). */
    @WithDefault("PT1M")
    Duration checkInterval();

    /** The longest pause between two looks while parts stay missing. */
    @WithDefault("PT1H")
    Duration maxCheckInterval();

    /** How often each replica asks the ledger for uploads due a look. */
    @WithDefault("PT5S")
    Duration poll();

    /** Uploads one replica looks at per poll. */
    @WithDefault("20")
    int batchSize();

    /** The transfer rate assumed when a lease is handed out, to schedule the first look after it. */
    @WithDefault("1M")
    MemorySize assumedBytesPerSecond();
}
