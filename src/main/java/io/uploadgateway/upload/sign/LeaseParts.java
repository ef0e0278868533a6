package io.uploadgateway.upload.sign;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.Errors;
import io.uploadgateway.storage.presign.ChecksumAlgorithm;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.UploadKind;
import io.uploadgateway.upload.UploadWithParts;
import io.uploadgateway.upload.ledger.SignLookup;
import io.uploadgateway.upload.ledger.UploadLedger;
import io.uploadgateway.upload.parts.SyncParts;
import io.uploadgateway.upload.read.ReadUploads;
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
 * One lease for every remaining part: what a phone hands to the OS at once (background tasks
 * created one by one after the app is backgrounded are throttled). Each part comes with its byte
 * range in the file and a URL that lives as long as allowed — up to S3's 7 days, never beyond the
 * signing credentials — and says what capped it. For an auto-complete upload, the gateway's first
 * look is scheduled from the lease (the expected transfer time).
 */
@ApplicationScoped
public class LeaseParts {

    public static final int MAX_PAGE = SignParts.MAX_BATCH;

    private final ReadUploads reads;
    private final SyncParts sync;
    private final UploadLedger ledger;
    private final PartSigner signer;
    private final SigningWindow window;
    private final GatewayConfig config;
    private final Clock clock;
    private final PartChecksums checksums;
    private final SignLookup lookup;

    public LeaseParts(ReadUploads reads, SyncParts sync, UploadLedger ledger, PartSigner signer, SigningWindow window,
                      GatewayConfig config, Clock clock, PartChecksums checksums, SignLookup lookup) {
        this.checksums = checksums;
        this.lookup = lookup;
        this.reads = reads;
        this.sync = sync;
        this.ledger = ledger;
        this.signer = signer;
        this.window = window;
        this.config = config;
        this.clock = clock;
    }

    /**
     * {@code partNumbers} null: every part not yet in S3 (from the ledger; with {@code reconcile},
     * from ListParts first). {@code after}: the previous page's last part number.
     */
    public record Request(Long expiresInSeconds, List<Integer> partNumbers, List<PartRequests.Entry> parts, boolean reconcile,
                          Integer after) {
    }

    public record Lease(Instant expiresAt, PresignWindow.Cap cappedBy, List<SignedPart> parts, Integer nextAfter) {
    }

    public Uni<Lease> lease(Scope scope, UUID id, Request request) {
        List<Asked> asked = PartRequests.of(request.partNumbers(), request.parts(), SignParts.MAX_BATCH, true);
        Duration requested = request.expiresInSeconds() == null ? config.presign().maxExpiry() : window.requested(request.expiresInSeconds());
        return (request.reconcile() ? sync.parts(scope, id) : reads.get(scope, id)).flatMap(full -> {
            full.upload().requireUploading();
            full.upload().requireParts();
            if (full.upload().kind != UploadKind.PLANNED) {
                throw Errors.hasNoPlan(id, "it has no part plan to lease");
            }
            PartPlan plan = full.upload().plan();
            List<Asked> wanted = asked != null ? asked : full.missingParts().stream().map(Asked::of).toList();
            List<Integer> outOfPlan = wanted.stream().map(Asked::partNumber).filter(n -> n > plan.partCount()).toList();
            if (!outOfPlan.isEmpty()) {
                throw Errors.outsidePlan(outOfPlan, plan.partCount());
            }
            int after = request.after() == null ? 0 : request.after();
            List<Asked> page = wanted.stream().filter(p -> p.partNumber() > after).limit(MAX_PAGE + 1L).toList();
            List<Asked> leased = page.size() > MAX_PAGE ? page.subList(0, MAX_PAGE) : page;
            Integer nextAfter = page.size() > MAX_PAGE ? leased.get(leased.size() - 1).partNumber() : null;
            ChecksumAlgorithm algorithm = full.upload().checksumAlgorithm;
            String store = full.upload().store;
            checksums.check(id, store, algorithm, leased);
            return checksums.keep(lookup, id, algorithm, leased).chain(() -> window.grant(store, requested)).flatMap(grant -> {
                List<SignedPart> parts = signer.sign(store, full.upload().key, full.upload().s3UploadId, plan, leased, algorithm, grant);
                return lookAfterTransfer(full, parts, grant.lifetime()).map(ignored -> new Lease(
                        parts.isEmpty() ? clock.instant() : parts.get(0).url().expiresAt(), grant.window().cappedBy(), parts, nextAfter));
            });
        });
    }

    /** An auto-complete upload is looked at once the leased bytes could have arrived at the assumed rate. */
    private Uni<Void> lookAfterTransfer(UploadWithParts full, List<SignedPart> parts, Duration lifetime) {
        if (!full.upload().autoComplete) {
            return Uni.createFrom().voidItem();
        }
        Duration floor = config.autoComplete().checkInterval();
        long bytes = parts.stream().mapToLong(SignedPart::length).sum();
        Duration transfer = Duration.ofSeconds(bytes / Math.max(1, config.autoComplete().assumedBytesPerSecond().asLongValue()));
        Duration wait = transfer.compareTo(floor) < 0 ? floor : transfer.compareTo(lifetime) > 0 ? lifetime : transfer;
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return ledger.transaction(() -> ledger.scheduleCheck(full.upload().id, now.plus(wait), floor));
    }
}
