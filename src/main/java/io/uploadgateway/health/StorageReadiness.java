package io.uploadgateway.health;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;

/**
 * Ready only while the bucket answers: S3 {@code HeadBucket} on the async client (never
 * blocking), cached for {@link #CACHE_FOR}. Each answer, error answers included, also tells the
 * clock skew between this host and object storage.
 */
@Readiness
@ApplicationScoped
public class StorageReadiness implements AsyncHealthCheck {

    static final String NAME = "bucket (S3)";
    static final Duration TIMEOUT = Duration.ofSeconds(3);
    static final Duration CACHE_FOR = Duration.ofSeconds(3);

    private final Uni<HealthCheckResponse> cached;

    public StorageReadiness(S3AsyncClient s3, GatewayConfig config, ClockSkew clockSkew) {
        String bucket = config.bucket();
        this.cached = Uni.createFrom().completionStage(() -> s3.headBucket(r -> r.bucket(bucket)
                        .overrideConfiguration(o -> o.apiCallTimeout(TIMEOUT))))
                .map(response -> withSkew(HealthCheckResponse.named(NAME).up().withData("bucket", bucket),
                        clockSkew.observe(date(response.sdkHttpResponse()))).build())
                .onFailure().recoverWithItem(failure -> {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    OptionalLong skew = OptionalLong.empty();
                    if (cause instanceof S3Exception s3e && s3e.awsErrorDetails() != null) {
                        skew = clockSkew.observe(date(s3e.awsErrorDetails().sdkHttpResponse()));
                    }
                    return withSkew(HealthCheckResponse.named(NAME).down().withData("bucket", bucket)
                            .withData("error", Outages.describe(cause)), skew).build();
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

    private static Optional<String> date(SdkHttpResponse response) {
        return response == null ? Optional.empty() : response.firstMatchingHeader("Date");
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
