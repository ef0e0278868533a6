package io.uploadgateway.config;

import io.smallrye.config.WithDefault;

import java.util.Optional;

/** What the object store supports beyond the core of S3: probed at startup where a probe can tell, else declared. */
public interface StoreConfig {
    /**
     * Whether the store checks additional checksums ({@code x-amz-checksum-*} on UploadPart of an
     * upload created with a checksum algorithm). Unset: probed at startup, per algorithm (a part
     * with a wrong checksum to a scratch key: a store that takes it does not check). {@code true}
     * trusts the store with every algorithm, {@code false} offers none. A client asking for one the
     * store does not check gets {@code 400 checksums_unsupported}.
     */
    Optional<Boolean> additionalChecksums();

    /**
     * Whether the store implements browser POST Object with policy conditions, which Uppy's
     * single-request route ({@code /s3/params}) signs forms for. Off: that route answers
     * {@code 400 post_object_unsupported}, and the managed CORS rule does not allow POST.
     */
    @WithDefault("true")
    boolean postObject();
}
