package io.uploadgateway.storage;

import io.quarkus.runtime.StartupEvent;
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

import java.util.concurrent.CompletionException;

/**
 * Startup work on the bucket, each step opt-in: create it ({@code gateway.create-bucket}, for
 * dev and throwaway stacks) and put the rules browsers and budgets need
 * ({@code gateway.manage-bucket}): CORS allowing PUT and POST and exposing {@code ETag}, and
 * lifecycle rules aborting incomplete multipart uploads and expiring staging objects, as
 * backstops for the janitor.
 * Runs once on the main thread before traffic, where blocking is allowed.
 */
@ApplicationScoped
public class BucketBootstrap {

    static final String LIFECYCLE_RULE_ID = "upload-gateway-abort-incomplete-multipart";
    static final String STAGING_RULE_ID = "upload-gateway-expire-staging";
    private static final Logger LOG = Logger.getLogger(BucketBootstrap.class);

    void onStart(@Observes StartupEvent event, GatewayConfig config, S3AsyncClient s3) {
        if (config.createBucket()) {
            createIfMissing(s3, config.bucket());
        }
        if (config.manageBucket()) {
            putCorsRule(s3, config);
            putLifecycleRule(s3, config);
        }
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

    /** Browsers PUT parts (and POST single-request forms) cross-origin and must read each part's ETag from the response. */
    static CORSRule corsRule(GatewayConfig config) {
        return CORSRule.builder()
                .allowedOrigins(config.corsAllowedOrigins())
                .allowedMethods("GET", "PUT", "POST", "HEAD")
                .allowedHeaders("*")
                .exposeHeaders("ETag")
                .maxAgeSeconds(3600)
                .build();
    }

    private static void putCorsRule(S3AsyncClient s3, GatewayConfig config) {
        try {
            s3.putBucketCors(r -> r.bucket(config.bucket()).corsConfiguration(c -> c.corsRules(corsRule(config)))).join();
            LOG.infof("bucket %s: CORS rule set (PUT/GET/HEAD from %s, ETag exposed)", config.bucket(), config.corsAllowedOrigins());
        } catch (CompletionException e) {
            LOG.warnf("bucket %s: could not set the CORS rule (%s); browsers need PUT allowed and ETag exposed",
                    config.bucket(), e.getCause().getMessage());
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
            java.util.List<LifecycleRule> rules = new java.util.ArrayList<>();
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
