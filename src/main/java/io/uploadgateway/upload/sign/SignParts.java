package io.uploadgateway.upload.sign;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.Errors;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.UploadLimits;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.ledger.SignLookup.Signable;
import io.uploadgateway.upload.ledger.SignLookup;
import io.uploadgateway.upload.quota.Reservations;
import io.uploadgateway.upload.sign.PartRequests.Asked;
import io.uploadgateway.upload.sign.PartSigner.SignedPart;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * Fresh URLs for parts, each signed for its exact length (of a planned upload) and for the
 * requested lifetime (capped by configuration and by the signing credentials' own expiry). The hot
 * path of every client: no S3 round trip, one indexed read, and no write that parallel calls of
 * one upload queue on. An open-sized upload's URLs allow up to 5 GiB each, so the first URL for a
 * higher part number raises what it reserves of its owner's bytes quota (one short transaction,
 * a 429 beyond the quota); URLs within its reservation cost nothing more.
 */
@ApplicationScoped
public class SignParts {

    public static final int MAX_BATCH = 1000;

    private final SignLookup lookup;
    private final Reservations reservations;
    private final PartSigner signer;
    private final SigningWindow window;
    private final GatewayConfig config;
    private final UploadLimits limits;
    private final Clock clock;
    private final PartChecksums checksums;

    public SignParts(SignLookup lookup, Reservations reservations, PartSigner signer, SigningWindow window,
                     GatewayConfig config, Clock clock, PartChecksums checksums) {
        this.lookup = lookup;
        this.reservations = reservations;
        this.signer = signer;
        this.window = window;
        this.config = config;
        this.limits = UploadLimits.of(config);
        this.clock = clock;
        this.checksums = checksums;
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
        return lookup.find(scope, id).flatMap(upload -> {
            if (expectedKey != null && !expectedKey.equals(upload.key())) {
                throw Errors.noSuchUpload(id, expectedKey);
            }
            if (upload.state() != UploadState.UPLOADING) {
                throw Errors.notUploading(id, upload.state());
            }
            PartPlan plan = switch (upload.kind()) {
                case PLANNED -> upload.plan();
                case OPEN_SIZED -> limits.openPlan();
                case SINGLE_REQUEST -> throw Errors.hasNoParts(id);
            };
            int highest = asked.stream().mapToInt(Asked::partNumber).max().orElse(0);
            if (highest > plan.partCount()) {
                throw Errors.outsidePlan(asked.stream().map(Asked::partNumber).filter(n -> n > plan.partCount()).toList(),
                        plan.partCount());
            }
            checksums.check(id, upload.store(), upload.checksumAlgorithm(), asked);
            Uni<Void> reserved = plan.isOpen() ? reserve(upload, limits.openReservation(highest)) : Uni.createFrom().voidItem();
            return reserved.chain(() -> touchIfStale(upload))
                    .chain(() -> checksums.keep(lookup, id, upload.checksumAlgorithm(), asked))
                    .chain(() -> window.grant(upload.store(), requested))
                    .map(grant -> signer.sign(upload.store(), upload.key(), upload.s3UploadId(), plan, asked, upload.checksumAlgorithm(),
                            grant));
        });
    }

    /** An open-sized upload holds {@code bytes} of its owner's quota before it gets URLs that allow that much. */
    private Uni<Void> reserve(Signable upload, long bytes) {
        return bytes <= upload.reservedBytes() ? Uni.createFrom().voidItem() : reservations.raise(upload.id(), bytes);
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
