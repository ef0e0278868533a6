package io.uploadgateway.upload.sign;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.storage.StorageException;
import io.uploadgateway.problem.ApiProblem;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;

/** How long the URLs of one signing call may live: the request's wish within configuration and the credentials' life. */
@ApplicationScoped
public class SigningWindow {

    /** S3's own ceiling for a presigned URL's lifetime. */
    public static final long MAX_EXPIRY_SECONDS = 604_800;

    private final MultipartStorage storage;
    private final GatewayConfig config;
    private final Clock clock;

    public SigningWindow(MultipartStorage storage, GatewayConfig config, Clock clock) {
        this.storage = storage;
        this.config = config;
        this.clock = clock;
    }

    /** The lifetime a client asked for ({@code expiresInSeconds}, may be null: the configured default); a 400 when out of range. */
    public Duration requested(Long expiresInSeconds) {
        if (expiresInSeconds == null) {
            return config.presign().defaultExpiry();
        }
        if (expiresInSeconds < 1 || expiresInSeconds > MAX_EXPIRY_SECONDS) {
            throw ApiProblem.invalid("expiresInSeconds must be between 1 and " + MAX_EXPIRY_SECONDS + ", got " + expiresInSeconds);
        }
        return Duration.ofSeconds(expiresInSeconds);
    }

    /** {@code requested} capped by the configured maximum and by the signing credentials' expiry. */
    public Uni<PresignWindow> of(Duration requested) {
        return storage.credentialsExpiry().map(expiry -> PresignWindow
                .of(requested, config.presign().maxExpiry(), expiry, clock.instant())
                .orElseThrow(() -> new StorageException.Unavailable("the signing credentials have expired", null)));
    }
}
