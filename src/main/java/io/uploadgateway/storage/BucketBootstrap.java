package io.uploadgateway.storage;

import io.quarkus.runtime.StartupEvent;
import io.uploadgateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.util.concurrent.CompletionException;

/** Creates the bucket at startup when {@code gateway.create-bucket} is on (dev, tests, throwaway stacks). */
@ApplicationScoped
public class BucketBootstrap {

    private static final Logger LOG = Logger.getLogger(BucketBootstrap.class);

    void onStart(@Observes StartupEvent event, GatewayConfig config, S3AsyncClient s3) {
        if (!config.createBucket()) {
            return;
        }
        String bucket = config.bucket();
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
}
