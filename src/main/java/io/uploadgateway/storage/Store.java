package io.uploadgateway.storage;

import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.config.StorageConfig;
import io.uploadgateway.config.StoreConfig;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * One object store an upload can live in: a bucket and a key prefix on one S3 endpoint with one set
 * of credentials, with its own calls ({@link MultipartStorage}), its own signer (so its own
 * signing key) and its own capabilities. Every upload records the name of its store, and every step
 * after create goes to that store ({@link Stores#of(String)}).
 */
public final class Store {

    /** The store of today's single-bucket configuration ({@code gateway.bucket}, {@code quarkus.s3.*}). */
    public static final String DEFAULT = GatewayConfig.DEFAULT_STORE;

    private final String name;
    private final String bucket;
    private final String keyRoot;
    private final S3AsyncClient client;
    private final MultipartStorage storage;
    private final UrlSigner signer;
    private final StoreCapabilities capabilities;

    Store(String name, String bucket, String keyRoot, S3AsyncClient client, boolean pathStyle, StoreConfig declared,
          StorageConfig bounds) {
        this.name = name;
        this.bucket = bucket;
        this.keyRoot = keyRoot;
        this.client = client;
        this.storage = new S3MultipartStorage(client, bucket, bounds);
        this.signer = new SigV4UrlSigner(client, bucket, pathStyle);
        this.capabilities = new StoreCapabilities(client, bucket, keyRoot, declared);
    }

    public String name() {
        return name;
    }

    public String bucket() {
        return bucket;
    }

    /** The store's key prefix as the start of a key: without outer slashes, ending in one ({@code ""} for none). */
    public String keyRoot() {
        return keyRoot;
    }

    /** Where single-request forms write, under the key prefix ({@code <prefix>/staging/}). */
    public String stagingRoot() {
        return keyRoot + "staging/";
    }

    public MultipartStorage storage() {
        return storage;
    }

    public UrlSigner signer() {
        return signer;
    }

    public StoreCapabilities capabilities() {
        return capabilities;
    }

    S3AsyncClient client() {
        return client;
    }

    @Override
    public String toString() {
        return name + " (bucket " + bucket + ")";
    }
}
