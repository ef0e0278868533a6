package io.uploadgateway.config;

import io.smallrye.config.WithDefault;

/** What the object store supports beyond the core of S3. */
public interface StoreConfig {
    /**
     * Whether the store checks additional checksums ({@code x-amz-checksum-*} on UploadPart of
     * an upload created with a checksum algorithm). Off: a client asking for one gets a 400.
     */
    @WithDefault("true")
    boolean additionalChecksums();
}
