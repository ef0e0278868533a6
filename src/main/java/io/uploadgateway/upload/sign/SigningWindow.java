package io.uploadgateway.upload.sign;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.storage.StorageException;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.storage.UrlSigner;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;

/**
 * What one signing call may grant: the lifetime the request asked for within configuration and
 * the signing credentials' life, and the credentials to sign with.
 */
@ApplicationScoped
public class SigningWindow {

    /** S3's own ceiling for a presigned URL's lifetime. */
    public static final long MAX_EXPIRY_SECONDS = 604_800;

    private final Stores stores;
    private final GatewayConfig config;
    private final Clock clock;

    public SigningWindow(Stores stores, GatewayConfig config, Clock clock) {
        this.stores = stores;
        this.config = config;
        this.clock = clock;
    }

    /** A lifetime, and the credentials that sign for it. */
    public record Grant(PresignWindow window, UrlSigner.Signing signing) {

        public Duration lifetime() {
            return window.lifetime();
        }
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

    /** {@code requested} capped by the configured maximum and by the expiry of the signing credentials of the upload's store. */
    public Uni<Grant> grant(String store, Duration requested) {
        return stores.of(store).signer().signing().map(signing -> new Grant(PresignWindow
                .of(requested, config.presign().maxExpiry(), signing.credentialsExpiry(), clock.instant())
                .orElseThrow(() -> new StorageException.Unavailable("the signing credentials have expired", null)), signing));
    }
}
