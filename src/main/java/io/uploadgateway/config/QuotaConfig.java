package io.uploadgateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import java.util.Optional;
import java.util.OptionalInt;

/** Limits per owner; an operator can override them per owner (admin API). Unset means unlimited. */
public interface QuotaConfig {
    /** Most uploads one owner may have open (UPLOADING, COMPLETING, ABORTING) at once. */
    java.util.OptionalInt maxActiveUploads();

    /** Most bytes one owner may have in flight: declared sizes of open uploads. */
    java.util.Optional<MemorySize> maxBytesInFlight();
}
