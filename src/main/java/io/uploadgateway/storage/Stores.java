package io.uploadgateway.storage;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.ConfigChecks;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.config.NamedStoreConfig;
import io.uploadgateway.config.StorageConfig;
import io.uploadgateway.storage.presign.ChecksumAlgorithm;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.S3ServiceClientConfiguration;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every store this gateway writes to, by name: {@code default} (today's single-bucket
 * configuration, on the {@code quarkus.s3.*} client) and each {@code gateway.stores.<name>}, on a
 * client of its own (what a named store does not set, it takes from the default store's client).
 */
@ApplicationScoped
public class Stores {

    private final Store byDefault;
    private final Map<String, Store> byName = new LinkedHashMap<>();

    public Stores(S3AsyncClient defaultClient, GatewayConfig config,
                  @ConfigProperty(name = "quarkus.s3.path-style-access", defaultValue = "false") boolean pathStyle) {
        this.byDefault = new Store(Store.DEFAULT, config.bucket(), config.keyRoot(), defaultClient, pathStyle, config.store(),
                config.storage());
        byName.put(Store.DEFAULT, byDefault);
        S3ServiceClientConfiguration defaults = defaultClient.serviceClientConfiguration();
        config.stores().forEach((name, named) -> {
            if (byName.containsKey(name) || !ConfigChecks.STORE_NAME.matcher(name).matches()) {
                return; // refused at startup by ConfigChecks, with every other problem
            }
            boolean namedPathStyle = named.pathStyle().orElse(pathStyle);
            StorageConfig bounds = named.bounds(config.storage());
            S3AsyncClient client = S3ClientProducer.finish(builder(named, defaults), bounds, namedPathStyle, false);
            byName.put(name, new Store(name, named.bucket(), GatewayConfig.rootOf(named.keyPrefix()), client, namedPathStyle, named,
                    bounds));
        });
    }

    private static S3AsyncClientBuilder builder(NamedStoreConfig named, S3ServiceClientConfiguration defaults) {
        S3AsyncClientBuilder builder = S3AsyncClient.builder()
                .region(named.region().map(Region::of).orElse(defaults.region()));
        if (named.accessKeyId().isPresent() && named.secretAccessKey().isPresent()) {
            builder.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(named.accessKeyId().get(), named.secretAccessKey().get())));
        } else {
            builder.credentialsProvider(defaults.credentialsProvider());
        }
        named.endpoint().or(defaults::endpointOverride).ifPresent(builder::endpointOverride);
        return builder;
    }

    /** The store of uploads nothing routed elsewhere. */
    public Store byDefault() {
        return byDefault;
    }

    /** The store an upload records; one no longer configured is refused for good (an operator must act). */
    public Store of(String name) {
        Store store = byName.get(name);
        if (store == null) {
            throw new StorageException.Refused(StorageException.Refused.Kind.DENIED, "NoSuchStore",
                    "store " + name + " is not configured on this gateway (gateway.stores." + name + ".*)", null);
        }
        return store;
    }

    /**
     * The calls of the store an upload records. For a store no longer configured, calls that each
     * fail as {@link #of} does: the upload's own steps answer {@code 409 storage_refused} while the
     * janitor's batches go on with the other uploads.
     */
    public MultipartStorage storage(String name) {
        Store store = byName.get(name);
        return store != null ? store.storage() : new Unconfigured(name);
    }

    /** A configured store by name, if there is one. */
    public Optional<Store> named(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Every store, the default first. */
    public Collection<Store> all() {
        return byName.values();
    }

    /** Every call of a store this gateway does not have fails, as a {@link Uni}, never by throwing. */
    private record Unconfigured(String name) implements MultipartStorage {

        private <T> Uni<T> refused() {
            return Uni.createFrom().failure(() -> new StorageException.Refused(StorageException.Refused.Kind.DENIED, "NoSuchStore",
                    "store " + name + " is not configured on this gateway (gateway.stores." + name + ".*)", null));
        }

        @Override
        public Uni<String> createMultipartUpload(String key, String contentType, Map<String, String> metadata,
                                                 ChecksumAlgorithm checksumAlgorithm) {
            return refused();
        }

        @Override
        public Uni<List<StoredPart>> listParts(String key, String uploadId) {
            return refused();
        }

        @Override
        public Uni<String> completeMultipartUpload(String key, String uploadId, List<StoredPart> parts,
                                                   ChecksumAlgorithm checksumAlgorithm) {
            return refused();
        }

        @Override
        public Uni<Boolean> abortMultipartUpload(String key, String uploadId) {
            return refused();
        }

        @Override
        public Uni<Optional<StoredObject>> headObject(String key) {
            return refused();
        }

        @Override
        public Uni<byte[]> readRange(String key, long offset, int length) {
            return refused();
        }

        @Override
        public Uni<Void> deleteObject(String key) {
            return refused();
        }

        @Override
        public Uni<String> copyObject(String from, String ifMatch, String to, String contentType, Map<String, String> metadata) {
            return refused();
        }

        @Override
        public Uni<List<StoredKey>> listObjects(String keyPrefix) {
            return refused();
        }

        @Override
        public Uni<List<PendingMultipartUpload>> listMultipartUploads(String keyPrefix) {
            return refused();
        }

        @Override
        public Uni<BucketProbe> probeBucket(Duration timeout) {
            return Uni.createFrom().item(new BucketProbe(false, "store " + name + " is not configured", Optional.empty()));
        }
    }

    @PreDestroy
    void close() {
        byName.values().stream().filter(store -> store != byDefault).forEach(store -> store.client().close());
    }
}
