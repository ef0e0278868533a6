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
import java.util.concurrent.CompletionException;

/**
 * Startup work on the bucket: create it ({@code gateway.create-bucket}, for dev and throwaway
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
    private final S3AsyncClient s3;
    private final StoreCapabilities capabilities;
    /** Why the managed CORS rule is not set (browsers then fail at the preflight); empty when set or not managed. */
    private volatile Optional<String> corsProblem = Optional.empty();

    public BucketBootstrap(GatewayConfig config, S3AsyncClient s3, StoreCapabilities capabilities) {
        this.config = config;
        this.s3 = s3;
        this.capabilities = capabilities;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.createBucket()) {
            createIfMissing(s3, config.bucket());
        }
        if (config.manageBucket()) {
            putCorsRule();
            putLifecycleRule(s3, config);
        }
        capabilities.probeIfUnknown();
    }

    @Scheduled(every = "60s", delayed = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void retry() {
        if (corsProblem.isPresent()) {
            putCorsRule();
        }
        capabilities.probeIfUnknown();
    }

    /**
     * Why the bucket's CORS rule could not be set, while {@code gateway.manage-bucket} asks for it:
     * every browser upload fails at the preflight until it is, so readiness reports it.
     */
    public Optional<String> corsProblem() {
        return corsProblem;
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
    static CORSRule corsRule(GatewayConfig config) {
        List<String> methods = new ArrayList<>(List.of("GET", "PUT", "HEAD"));
        if (config.store().postObject()) {
            methods.add("POST");
        }
        return CORSRule.builder()
                .allowedOrigins(config.corsAllowedOrigins())
                .allowedMethods(methods)
                .allowedHeaders("*")
                .exposeHeaders("ETag")
                .maxAgeSeconds(3600)
                .build();
    }

    /** PutBucketCors carries Content-MD5 (the client's LegacyMd5Plugin): older S3-compatible stores refuse it without. */
    private void putCorsRule() {
        CORSRule rule = corsRule(config);
        try {
            s3.putBucketCors(r -> r.bucket(config.bucket()).corsConfiguration(c -> c.corsRules(rule))).join();
            corsProblem = Optional.empty();
            LOG.infof("bucket %s: CORS rule set (%s from %s, ETag exposed)", config.bucket(), rule.allowedMethods(),
                    config.corsAllowedOrigins());
        } catch (CompletionException e) {
            String reason = e.getCause() instanceof S3Exception s3e
                    ? "HTTP " + s3e.statusCode() + (s3e.awsErrorDetails() == null ? "" : " " + s3e.awsErrorDetails().errorCode())
                    : String.valueOf(e.getCause());
            corsProblem = Optional.of("could not set the bucket's CORS rule (" + reason + "): browsers need PUT allowed and ETag"
                    + " exposed; set it by hand and turn gateway.manage-bucket off, or fix the store");
            LOG.errorf("bucket %s: %s", config.bucket(), corsProblem.get());
        }
    }

    static LifecycleRule lifecycleRule(GatewayConfig config) {
        return LifecycleRule.builder()
                .id(LIFECYCLE_RULE_ID)
                .status(ExpirationStatus.ENABLED)
                .filter(f -> f.prefix(config.keyRoot()))
                .abortIncompleteMultipartUpload(a -> a.daysAfterInitiation(config.effectiveLifecycleAbortDays()))
                .build();
    }

    /** Staging objects outlive their forms only when a POST was replayed after its upload ended: a backstop behind the janitor. */
    static LifecycleRule stagingRule(GatewayConfig config) {
        return LifecycleRule.builder()
                .id(STAGING_RULE_ID)
                .status(ExpirationStatus.ENABLED)
                .filter(f -> f.prefix(config.stagingRoot()))
                .expiration(e -> e.days(config.effectiveLifecycleAbortDays()))
                .build();
    }

    private static void putLifecycleRule(S3AsyncClient s3, GatewayConfig config) {
        try {
            // Keep the bucket's other rules; replace only ours.
            List<LifecycleRule> rules = new ArrayList<>();
            try {
                s3.getBucketLifecycleConfiguration(r -> r.bucket(config.bucket())).join().rules().stream()
                        .filter(rule -> !LIFECYCLE_RULE_ID.equals(rule.id()) && !STAGING_RULE_ID.equals(rule.id()))
                        .forEach(rules::add);
            } catch (CompletionException none) {
                // no lifecycle configuration yet
            }
            rules.add(lifecycleRule(config));
            rules.add(stagingRule(config));
            s3.putBucketLifecycleConfiguration(r -> r.bucket(config.bucket()).lifecycleConfiguration(l -> l.rules(rules))).join();
            LOG.infof("bucket %s: lifecycle rules abort incomplete multipart uploads and expire staging objects after %d days",
                    config.bucket(), config.effectiveLifecycleAbortDays());
        } catch (CompletionException e) {
            LOG.warnf("bucket %s: could not set the lifecycle rule (%s); the janitor still aborts abandoned uploads",
                    config.bucket(), e.getCause().getMessage());
        }
    }
}
