package io.uploadgateway.storage;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.uploadgateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.CORSRule;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Startup work on every store's bucket: create it ({@code gateway.create-bucket}, for dev and throwaway
 * stacks), put the rules browsers and budgets need ({@code gateway.manage-bucket}): CORS allowing
 * PUT (and POST where the store has POST Object) and exposing {@code ETag}, and lifecycle rules
 * aborting incomplete multipart uploads and expiring staging objects, as backstops for the
 * janitor; then learn the store's capabilities ({@link StoreCapabilities#probeIfUnknown()}).
 * Runs once on the main thread before traffic, where blocking is allowed; what did not succeed
 * (the CORS rule, the probe) is tried again every minute on a worker thread.
 */
@ApplicationScoped
public class BucketBootstrap {

    static final String LIFECYCLE_RULE_ID = "upload-gateway-abort-incomplete-multipart";
    static final String STAGING_RULE_ID = "upload-gateway-expire-staging";
    private static final Logger LOG = Logger.getLogger(BucketBootstrap.class);

    private final GatewayConfig config;
    private final Stores stores;
    /** Why a store's managed CORS rule is not set (browsers then fail at the preflight), by store. */
    private final Map<String, String> corsProblems = new ConcurrentHashMap<>();

    public BucketBootstrap(GatewayConfig config, Stores stores) {
        this.config = config;
        this.stores = stores;
    }

    void onStart(@Observes StartupEvent event) {
        for (Store store : stores.all()) {
            if (config.createBucket()) {
                createIfMissing(store.client(), store.bucket());
            }
            if (config.manageBucket()) {
                putCorsRule(store);
                putLifecycleRule(store, config);
            }
            store.capabilities().probeIfUnknown();
        }
    }

    @Scheduled(every = "60s", delayed = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void retry() {
        for (Store store : stores.all()) {
            if (corsProblems.containsKey(store.name())) {
                putCorsRule(store);
            }
            store.capabilities().probeIfUnknown();
        }
    }

    /**
     * Why the store's CORS rule could not be set, while {@code gateway.manage-bucket} asks for it:
     * every browser upload to it fails at the preflight until it is, so readiness reports it.
     */
    public Optional<String> corsProblem(Store store) {
        return Optional.ofNullable(corsProblems.get(store.name()));
    }

    private static void createIfMissing(S3AsyncClient s3, String bucket) {
        try {
            s3.headBucket(r -> r.bucket(bucket)).join();
        } catch (CompletionException e) {
            boolean missing = e.getCause() instanceof NoSuchBucketException
                    || (e.getCause() instanceof S3Exception s3e && s3e.statusCode() == 404);
            if (!missing) {
                LOG.warnf("could not check bucket %s: %s", bucket, e.getCause());
                return;
            }
            try {
                s3.createBucket(r -> r.bucket(bucket)).join();
                LOG.infof("created bucket %s", bucket);
            } catch (CompletionException created) {
                if (!(created.getCause() instanceof BucketAlreadyOwnedByYouException)) {
                    LOG.warnf("could not create bucket %s: %s", bucket, created.getCause());
                }
            }
        }
    }

    /**
     * Browsers PUT parts (and POST single-request forms, where the store has POST Object)
     * cross-origin and must read each part's ETag from the response.
     */
    static CORSRule corsRule(List<String> origins, boolean postObject) {
        List<String> methods = new ArrayList<>(List.of("GET", "PUT", "HEAD"));
        if (postObject) {
            methods.add("POST");
        }
        return CORSRule.builder()
                .allowedOrigins(origins)
                .allowedMethods(methods)
                .allowedHeaders("*")
                .exposeHeaders("ETag")
                .maxAgeSeconds(3600)
                .build();
    }

    /** PutBucketCors carries Content-MD5 (the client's LegacyMd5Plugin): older S3-compatible stores refuse it without. */
    private void putCorsRule(Store store) {
        CORSRule rule = corsRule(config.corsAllowedOrigins(), store.capabilities().postObject());
        try {
            store.client().putBucketCors(r -> r.bucket(store.bucket()).corsConfiguration(c -> c.corsRules(rule))).join();
            corsProblems.remove(store.name());
            LOG.infof("bucket %s: CORS rule set (%s from %s, ETag exposed)", store.bucket(), rule.allowedMethods(),
                    config.corsAllowedOrigins());
        } catch (CompletionException e) {
            String problem = "could not set the bucket's CORS rule (" + S3MultipartStorage.reason(e) + "): browsers need PUT allowed and ETag"
                    + " exposed; set it by hand and turn gateway.manage-bucket off, or fix the store";
            corsProblems.put(store.name(), problem);
            LOG.errorf("bucket %s: %s", store.bucket(), problem);
        }
    }

    /**
     * A rule's id for one store: the default store's rules keep the ids buckets already have; a named
     * store's carry its name, so stores sharing a bucket (a key prefix each) keep each other's rules.
     */
    static String ruleId(String base, String store) {
        return store.equals(Store.DEFAULT) ? base : base + "-" + store;
    }

    static LifecycleRule lifecycleRule(String store, String keyRoot, GatewayConfig config) {
        return LifecycleRule.builder()
                .id(ruleId(LIFECYCLE_RULE_ID, store))
                .status(ExpirationStatus.ENABLED)
                .filter(f -> f.prefix(keyRoot))
                .abortIncompleteMultipartUpload(a -> a.daysAfterInitiation(config.effectiveLifecycleAbortDays()))
                .build();
    }

    /** Staging objects outlive their forms only when a POST was replayed after its upload ended: a backstop behind the janitor. */
    static LifecycleRule stagingRule(String store, String stagingRoot, GatewayConfig config) {
        return LifecycleRule.builder()
                .id(ruleId(STAGING_RULE_ID, store))
                .status(ExpirationStatus.ENABLED)
                .filter(f -> f.prefix(stagingRoot))
                .expiration(e -> e.days(config.effectiveLifecycleAbortDays()))
                .build();
    }

    private static void putLifecycleRule(Store store, GatewayConfig config) {
        S3AsyncClient s3 = store.client();
        try {
            // Keep the bucket's other rules; replace only ours.
            List<LifecycleRule> rules = new ArrayList<>();
            try {
                s3.getBucketLifecycleConfiguration(r -> r.bucket(store.bucket())).join().rules().stream()
                        .filter(rule -> !ruleId(LIFECYCLE_RULE_ID, store.name()).equals(rule.id())
                                && !ruleId(STAGING_RULE_ID, store.name()).equals(rule.id()))
                        .forEach(rules::add);
            } catch (CompletionException none) {
                // no lifecycle configuration yet
            }
            rules.add(lifecycleRule(store.name(), store.keyRoot(), config));
            rules.add(stagingRule(store.name(), store.stagingRoot(), config));
            s3.putBucketLifecycleConfiguration(r -> r.bucket(store.bucket()).lifecycleConfiguration(l -> l.rules(rules))).join();
            LOG.infof("bucket %s: lifecycle rules abort incomplete multipart uploads and expire staging objects after %d days",
                    store.bucket(), config.effectiveLifecycleAbortDays());
        } catch (CompletionException e) {
            LOG.warnf("bucket %s: could not set the lifecycle rule (%s); the janitor still aborts abandoned uploads",
                    store.bucket(), e.getCause().getMessage());
        }
    }
}
