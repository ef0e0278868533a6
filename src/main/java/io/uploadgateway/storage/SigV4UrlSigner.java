package io.uploadgateway.storage;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.reactive.Worker;
import io.uploadgateway.storage.MultipartStorage.PresignedRequest;
import io.uploadgateway.storage.presign.CurrentCredentials;
import io.uploadgateway.storage.presign.PartHeaders;
import io.uploadgateway.storage.presign.PresignedUrl;
import io.uploadgateway.storage.presign.S3Endpoint;
import io.uploadgateway.storage.presign.SigV4Presigner;
import io.uploadgateway.storage.presign.SigningCredentials;
import io.uploadgateway.storage.presign.UploadPartTarget;
import org.jboss.logging.Logger;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3ServiceClientConfiguration;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link UrlSigner} on the gateway's own SigV4 query signer ({@link SigV4Presigner}, proven
 * byte-identical to the AWS SDK's presigner by the oracle tests, about 100 times cheaper), for the
 * endpoint, region and credentials a store's S3 client is configured with (one signer per store, so
 * one signing key per store, credentials and day).
 *
 * <p>Credentials: the S3 client's provider is asked on a worker thread, never on the event loop
 * (a provider refreshing IRSA or instance-profile credentials may block). The answer is kept and
 * used until it is a minute old, then refreshed in the background while the kept one still signs;
 * credentials within five minutes of their expiry are refreshed before signing.
 */
public class SigV4UrlSigner implements UrlSigner {

    private static final Logger LOG = Logger.getLogger(SigV4UrlSigner.class);
    private static final Duration REFRESH_AFTER = Duration.ofMinutes(1);
    private static final Duration EXPIRY_MARGIN = Duration.ofMinutes(5);

    private final SigV4Presigner engine;
    private final IdentityProvider<? extends AwsCredentialsIdentity> provider;
    private final String bucket;
    private final Clock clock = Clock.systemUTC();
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile Current current;

    SigV4UrlSigner(S3AsyncClient s3, String bucket, boolean pathStyle) {
        S3ServiceClientConfiguration client = s3.serviceClientConfiguration();
        String region = client.region().id();
        this.engine = new SigV4Presigner(client.endpointOverride()
                .map(endpoint -> S3Endpoint.custom(endpoint, region, pathStyle))
                .orElseGet(() -> S3Endpoint.aws(region, pathStyle)));
        this.provider = client.credentialsProvider();
        this.bucket = bucket;
    }

    @Override
    public String origin() {
        return engine.endpoint().origin(bucket);
    }

    @Override
    public Uni<Signing> signing() {
        Current kept = current;
        Instant now = clock.instant();
        if (kept == null || kept.expiresWithin(now, EXPIRY_MARGIN)) {
            return Worker.run(this::resolve);
        }
        if (kept.fetchedAt().isBefore(now.minus(REFRESH_AFTER)) && refreshing.compareAndSet(false, true)) {
            Worker.run(this::resolve).subscribe().with(
                    fresh -> refreshing.set(false),
                    failure -> {
                        refreshing.set(false);
                        LOG.warnf("could not refresh the signing credentials (the current ones still sign): %s", failure.toString());
                    });
        }
        return Uni.createFrom().item(kept);
    }

    private Current resolve() {
        AwsCredentialsIdentity identity = provider.resolveIdentity().join();
        Current fresh = new Current(CurrentCredentials.of(identity), identity.expirationTime(), clock.instant());
        current = fresh;
        return fresh;
    }

    /** The credentials kept now, with what the engine needs to sign with them. */
    private final class Current implements Signing {
        private final SigningCredentials credentials;
        private final Optional<Instant> expiry;
        private final Instant fetchedAt;

        Current(SigningCredentials credentials, Optional<Instant> expiry, Instant fetchedAt) {
            this.credentials = credentials;
            this.expiry = expiry;
            this.fetchedAt = fetchedAt;
        }

        Instant fetchedAt() {
            return fetchedAt;
        }

        boolean expiresWithin(Instant now, Duration margin) {
            return expiry.isPresent() && expiry.get().isBefore(now.plus(margin));
        }

        @Override
        public Optional<Instant> credentialsExpiry() {
            return expiry;
        }

        @Override
        public List<PresignedRequest> uploadParts(String key, String uploadId, List<PartToSign> parts, Duration lifetime) {
            UploadPartTarget target = engine.uploadPartTarget(bucket, key, uploadId);
            List<PresignedRequest> urls = new ArrayList<>(parts.size());
            for (PartToSign part : parts) {
                urls.add(described(engine.presignUploadPart(target, part.partNumber(), part.contentLength(), headersOf(part),
                        lifetime, credentials)));
            }
            return urls;
        }

        @Override
        public PresignedPost post(String key, String contentType, long maxBytes, Duration lifetime) {
            var post = engine.presignPost(bucket, key, contentType, maxBytes, lifetime, credentials);
            return new PresignedPost(post.url(), post.fields(), post.expiresAt());
        }

        @Override
        public PresignedRequest download(String key, String contentDisposition, String contentType, Duration lifetime) {
            return described(engine.presignGetObject(engine.objectTarget(bucket, key), contentDisposition, contentType,
                    lifetime, credentials));
        }
    }

    private static PartHeaders headersOf(PartToSign part) {
        PartHeaders headers = PartHeaders.NONE;
        if (part.contentMd5() != null) {
            headers = headers.withContentMd5(part.contentMd5());
        }
        if (part.checksumAlgorithm() != null) {
            headers = headers.withChecksum(part.checksumAlgorithm(), part.checksumValue());
        }
        return headers;
    }

    private static PresignedRequest described(PresignedUrl url) {
        return new PresignedRequest(url.url(), url.method(), url.headers(), url.expiresAt());
    }
}
