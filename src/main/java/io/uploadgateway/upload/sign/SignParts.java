package io.uploadgateway.upload.sign;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.sign.PartRequests.Asked;
import io.uploadgateway.upload.sign.PartSigner.SignedPart;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.ledger.SignLookup;
import io.uploadgateway.upload.ledger.SignLookup.Signable;
import io.uploadgateway.problem.ApiProblem;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * Fresh URLs for parts, each signed for its exact length and for the requested lifetime (capped
 * by configuration and by the signing credentials' own expiry). The hot path of every client: no
 * S3 round trip, one indexed read, and no write that parallel calls of one upload queue on.
 */
@ApplicationScoped
public class SignParts {

    public static final int MAX_BATCH = 1000;

    private final SignLookup lookup;
    private final PartSigner signer;
    private final SigningWindow window;
    private final GatewayConfig config;
    private final Clock clock;
    private final PartChecksums checksums;

    public SignParts(SignLookup lookup, PartSigner signer, SigningWindow window, GatewayConfig config, Clock clock,
                     PartChecksums checksums) {
        this.checksums = checksums;
        this.lookup = lookup;
        this.signer = signer;
        this.window = window;
        this.config = config;
        this.clock = clock;
    }

    /**
     * One read of the upload by primary key; activity recorded at most once per
     * {@code gateway.activity-interval} and never waiting on the row; then the URLs. For an upload
     * with an additional checksum, the checksums signed are also kept (for completion).
     */
    public Uni<List<SignedPart>> sign(Scope scope, UUID id, List<Asked> asked, Long expiresInSeconds) {
        return sign(scope, id, null, asked, expiresInSeconds);
    }

    /** As above; with {@code expectedKey} (Uppy's {@code key}), an upload under another object key is a 404. */
    public Uni<List<SignedPart>> sign(Scope scope, UUID id, String expectedKey, List<Asked> asked, Long expiresInSeconds) {
        Duration requested = window.requested(expiresInSeconds);
        return lookup.find(scope, id)
                .call(upload -> {
                    if (expectedKey != null && !expectedKey.equals(upload.key())) {
                        throw ApiProblem.notFound("no upload " + id + " with key " + expectedKey);
                    }
                    if (upload.state() != UploadState.UPLOADING) {
                        throw ApiProblem.notActive("upload " + id + " is " + upload.state() + "; only UPLOADING uploads accept this");
                    }
                    if (upload.s3UploadId() == null) {
                        throw ApiProblem.notActive("upload " + id + " is a single-request upload (a presigned POST from /s3/params):"
                                + " it has no parts to sign");
                    }
                    List<Integer> outOfPlan = asked.stream().map(Asked::partNumber).filter(n -> n > upload.plan().partCount()).toList();
                    if (!outOfPlan.isEmpty()) {
                        throw ApiProblem.invalid("part numbers " + outOfPlan + " are outside 1.." + upload.plan().partCount()
                                + " (this upload has " + upload.plan().partCount() + " parts)");
                    }
                    checksums.check(id, upload.checksumAlgorithm(), asked);
                    return touchIfStale(upload).chain(() -> checksums.keep(lookup, id, upload.checksumAlgorithm(), asked));
                })
                .flatMap(upload -> window.grant(requested).map(grant ->
                        signer.sign(upload.key(), upload.s3UploadId(), upload.plan(), asked,
                                PartChecksums.algorithm(upload.checksumAlgorithm()), grant)));
    }

    private Uni<Boolean> touchIfStale(Signable upload) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Instant staleBefore = now.minus(config.activityInterval());
        if (upload.lastActivityAt().isAfter(staleBefore)) {
            return Uni.createFrom().item(false);
        }
        return lookup.touch(upload.id(), now, now.plus(config.uploadTtl()), staleBefore);
    }
}
