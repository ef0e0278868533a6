package io.uploadgateway.health;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.storage.BucketBootstrap;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.storage.StoreCapabilities;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Ready only while the bucket answers (storage's bucket probe: HeadBucket, never blocking, cached
 * for {@link #CACHE_FOR}) and, where {@code gateway.manage-bucket} asks for it, has its CORS rule
 * (without it every browser upload fails at the preflight). The data also say which additional
 * checksums the store checks. Each answer, error answers included, also tells the clock skew
 * between this host and object storage.
 */
@Readiness
@ApplicationScoped
public class StorageReadiness implements AsyncHealthCheck {

    static final String NAME = "bucket (S3)";
    static final Duration TIMEOUT = Duration.ofSeconds(3);
    static final Duration CACHE_FOR = Duration.ofSeconds(3);

    private final Uni<HealthCheckResponse> cached;

    public StorageReadiness(MultipartStorage storage, GatewayConfig config, ClockSkew clockSkew, StoreCapabilities capabilities,
                            BucketBootstrap bootstrap) {
        String bucket = config.bucket();
        this.cached = Uni.createFrom().deferred(() -> storage.probeBucket(TIMEOUT))
                .map(probe -> {
                    Optional<String> cors = bootstrap.corsProblem();
                    HealthCheckResponseBuilder builder = HealthCheckResponse.named(NAME).status(probe.up() && cors.isEmpty())
                            .withData("bucket", bucket)
                            .withData("checksums", capabilities.checksums().how());
                    if (!probe.up()) {
                        builder.withData("error", probe.error());
                    }
                    cors.ifPresent(problem -> builder.withData("cors", problem));
                    return withSkew(builder, clockSkew.observe(probe.date())).build();
                })
                .memoize().atLeast(CACHE_FOR);
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return cached;
    }

    /** Keeps the clock-skew gauge fresh even where nothing probes readiness. */
    @Scheduled(every = "60s", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> refresh() {
        return cached.replaceWithVoid();
    }

    private static HealthCheckResponseBuilder withSkew(HealthCheckResponseBuilder builder, OptionalLong skew) {
        if (skew.isPresent()) {
            builder.withData("clockSkewSeconds", skew.getAsLong());
            if (ClockSkew.worrying(skew.getAsLong())) {
                builder.withData("clockSkewWarning", "the local clock is " + skew.getAsLong()
                        + " s off object storage's; S3 refuses signatures more than "
                        + ClockSkew.S3_LIMIT.getSeconds() + " s off, so presigned URLs may fail");
            }
        }
        return builder;
    }
}
