package io.uploadgateway.config;

import io.smallrye.config.WithDefault;

import java.net.URI;
import java.util.Optional;

/**
 * A store beside the default one ({@code gateway.stores.<name>.*}): its own bucket and key prefix,
 * and where it differs from the default store, its own endpoint, region, addressing and
 * credentials. Its capabilities are those of {@link StoreConfig}, under the same names; its call
 * bounds are {@code gateway.storage.*} unless {@link #storage()} says otherwise. The bucket flags
 * ({@code gateway.create-bucket}, {@code gateway.manage-bucket}) apply to every store.
 */
public interface NamedStoreConfig extends StoreConfig {

    String bucket();

    /** First segment of this store's object keys, as {@code gateway.key-prefix} is of the default store's. */
    @WithDefault("uploads")
    String keyPrefix();

    /** The S3 endpoint; absent: the default store's ({@code quarkus.s3.endpoint-override}, else AWS). */
    Optional<URI> endpoint();

    /** Absent: the default store's region. */
    Optional<String> region();

    /** Path-style addressing; absent: as the default store ({@code quarkus.s3.path-style-access}). */
    Optional<Boolean> pathStyle();

    /** Static credentials, both or neither; neither: the default store's credentials provider. */
    Optional<String> accessKeyId();

    Optional<String> secretAccessKey();

    /** This store's own bounds on S3 calls, each where it differs from {@code gateway.storage.*}. */
    StorageOverrides storage();

    /** The bounds this store's calls run with. */
    default StorageConfig bounds(StorageConfig base) {
        return storage().over(base);
    }
}
