package io.uploadgateway.upload.complete;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.events.outbox.EventOutbox;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.storage.MultipartStorage.StoredPart;
import io.uploadgateway.storage.StorageException;
import io.uploadgateway.upload.PartReconciliation;
import io.uploadgateway.upload.PartReconciliation.Verdict;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.UploadPart;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.UploadWithParts;
import io.uploadgateway.upload.claim.Transitions;
import io.uploadgateway.upload.ledger.SignLookup;
import io.uploadgateway.upload.ledger.UploadLedger;
import io.uploadgateway.upload.sign.PartChecksums;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Completes an upload after checking every planned part against S3's ListParts (presence, size,
 * and the ETag the client reported, if any), then confirms the object's size with HeadObject.
 * The upload is claimed (COMPLETING) while S3 works, with no database connection held
 * ({@link Transitions}); concurrent completes make one S3 completion and get the same answer.
 * A completed upload is answered as it is.
 */
@ApplicationScoped
public class CompleteUpload {

    private static final Logger LOG = Logger.getLogger(CompleteUpload.class);

    private final MultipartStorage storage;
    private final UploadLedger ledger;
    private final Transitions transitions;
    private final ContentCheck contentCheck;
    private final Clock clock;
    private final UploadMetrics metrics;
    private final EventOutbox events;
    private final SignLookup lookup;
    private final SizeLimits sizeLimits;

    public CompleteUpload(MultipartStorage storage, UploadLedger ledger, Transitions transitions, ContentCheck contentCheck,
                          Clock clock, UploadMetrics metrics, EventOutbox events, SignLookup lookup, SizeLimits sizeLimits) {
        this.lookup = lookup;
        this.sizeLimits = sizeLimits;
        this.storage = storage;
        this.ledger = ledger;
        this.transitions = transitions;
        this.contentCheck = contentCheck;
        this.clock = clock;
        this.metrics = metrics;
        this.events = events;
    }

    public Uni<UploadWithParts> complete(Scope scope, UUID id) {
        return complete(scope, id, null);
    }

    /**
     * As {@link #complete(Scope, UUID)}, assembling exactly the parts the client names (number to
     * ETag, quoted or not: Uppy's {@code complete}); each must be in storage with that ETag. Parts
     * storage holds beyond them are left out (S3 discards them).
     */
    public Uni<UploadWithParts> complete(Scope scope, UUID id, Map<Integer, String> reported) {
        return transitions.run(scope, id, new Transitions.Transition<UploadWithParts>() {
            @Override
            public UploadState target() {
                return UploadState.COMPLETED;
            }

            @Override
            public Uni<UploadWithParts> answerFor(Upload upload) {
                if (upload.state == UploadState.COMPLETED || upload.state == UploadState.REJECTED) {
                    return ledger.withParts(upload);
                }
                throw ApiProblem.notActive("upload " + upload.id + " is " + upload.state + "; only UPLOADING uploads accept this");
            }

            @Override
            public Uni<UploadWithParts> inStorage(Upload claimed, UUID token) {
                return ledger.session(() -> ledger.parts(claimed)).flatMap(recorded -> assemble(claimed, token, recorded, reported));
            }
        }).map(done -> {
            if (done.upload().state == UploadState.REJECTED) {
                throw contentMismatch(done.upload());
            }
            return done;
        });
    }

    /**
     * For a single-request upload (a presigned POST): completes it if its object is in storage,
     * else answers it as it is (still UPLOADING).
     */
    public Uni<UploadWithParts> ifArrived(Scope scope, UUID id) {
        return complete(scope, id)
                .onFailure(f -> f instanceof ApiProblem p && p.error() == ErrorCode.PARTS_MISSING)
                .recoverWithUni(() -> ledger.session(() -> ledger.find(scope, id).flatMap(ledger::withParts)));
    }

    private static RuntimeException contentMismatch(Upload rejected) {
        return ErrorCode.CONTENT_MISMATCH.problem("upload " + rejected.id + " was declared as " + rejected.contentType
                        + " but its bytes are " + rejected.detectedContentType + "; it is REJECTED and the object deleted")
                .with("declaredContentType", rejected.contentType)
                .with("detectedContentType", rejected.detectedContentType);
    }

    private Uni<UploadWithParts> assemble(Upload upload, UUID token, List<UploadPart> recorded, Map<Integer, String> reported) {
        if (upload.singleRequest) {
            return completeSingleRequest(upload, token, recorded);
        }
        // S3 forgets a completed multipart upload: ListParts then answers NoSuchUpload (AWS) or an
        // empty list (S3Proxy). Either way an earlier completion may have finished it.
        return storage.listParts(upload.key, upload.s3UploadId)
                .flatMap(listed -> listed.isEmpty()
                        ? adoptEarlierCompletion(upload, token, recorded, () -> completeChecked(upload, token, recorded, listed, reported))
                        : completeChecked(upload, token, recorded, listed, reported))
                .onFailure(StorageException.NoSuchUpload.class)
                .recoverWithUni(() -> adoptEarlierCompletion(upload, token, recorded,
                        () -> Uni.createFrom().failure(upload.goneFromStorage())));
    }

    /**
     * A presigned POST: complete once the object is in storage (its key carries the upload's id; the
     * POST policy bounded its size and fixed its Content-Type). The size is checked again here, as a
     * store that does not enforce the policy (S3Proxy) would let a larger file through: over the
     * gateway's maximum, the object is deleted, the upload ABORTED and the call answers 413.
     */
    private Uni<UploadWithParts> completeSingleRequest(Upload upload, UUID token, List<UploadPart> recorded) {
        return storage.headObject(upload.key).flatMap(object -> {
            if (object.isEmpty()) {
                return Uni.createFrom().failure(ErrorCode.PARTS_MISSING.problem("upload " + upload.id + " is a single-request"
                        + " upload whose object is not in storage yet: POST the file with the fields from /s3/params, then"
                        + " complete again").with("missingParts", List.of()));
            }
            long size = object.get().size();
            return sizeLimits.singleRequest(upload, token, size)
                    .chain(() -> checkThenFinish(upload, token, recorded, null, object.get().etag(), size));
        });
    }

    private Uni<UploadWithParts> completeChecked(Upload upload, UUID token, List<UploadPart> recorded, List<StoredPart> listed,
                                                 Map<Integer, String> reported) {
        Verdict verdict;
        if (reported == null) {
            verdict = PartReconciliation.judge(upload.plan(), recorded, listed);
        } else {
            var named = PartReconciliation.reported(reported, listed);
            // The client's ETags are the word on its parts; the ledger's only on parts it does not name.
            verdict = named.refusal() != null ? named.refusal() : PartReconciliation.judge(upload.plan(),
                    recorded.stream().filter(p -> !reported.containsKey(p.partNumber)).toList(), named.listed());
        }
        if (!verdict.missing().isEmpty()) {
            throw ErrorCode.PARTS_MISSING.problem(verdict.missing().size() + " of "
                            + (upload.openSized() ? "the reported" : String.valueOf(upload.partCount))
                            + " parts are not in storage yet; upload them and complete again")
                    .with("missingParts", verdict.missing());
        }
        if (!verdict.mismatched().isEmpty()) {
            throw ErrorCode.PART_MISMATCH.problem("Storage holds different bytes than expected for " + verdict.mismatched().size()
                            + " part(s): re-upload those parts (or GET ?sync=true to adopt what storage holds) and complete again")
                    .with("mismatchedParts", verdict.mismatched());
        }
        long expectedSize = upload.openSized() ? PartReconciliation.totalOf(verdict) : upload.size;
        Uni<Void> limits = upload.openSized() ? sizeLimits.openSized(upload, token, expectedSize) : Uni.createFrom().voidItem();
        return limits.chain(() -> withChecksums(upload, verdict.toComplete()))
                .flatMap(toComplete -> assembleChecked(upload, token, recorded, toComplete, expectedSize));
    }

    /**
     * The parts with the additional checksums to complete with; a part whose stored checksum is
     * not the one its URL was signed for is a 409 part_mismatch.
     */
    private Uni<List<StoredPart>> withChecksums(Upload upload, List<StoredPart> toComplete) {
        if (upload.checksumAlgorithm == null) {
            return Uni.createFrom().item(toComplete);
        }
        return lookup.signedChecksums(upload.id).map(signed -> {
            PartReconciliation.Checksums checksums = PartReconciliation.checksums(toComplete, signed);
            if (!checksums.mismatched().isEmpty()) {
                throw ErrorCode.PART_MISMATCH.problem("Storage holds parts whose " + upload.checksumAlgorithm + " checksum is not the one"
                                + " their URLs were signed for (" + checksums.mismatched().size() + " part(s)): presign and upload those"
                                + " parts again, then complete again")
                        .with("mismatchedParts", checksums.mismatched());
            }
            return checksums.toComplete();
        });
    }

    private Uni<UploadWithParts> assembleChecked(Upload upload, UUID token, List<UploadPart> recorded, List<StoredPart> toComplete,
                                                 long expectedSize) {
        return storage.completeMultipartUpload(upload.key, upload.s3UploadId, toComplete,
                        PartChecksums.algorithm(upload.checksumAlgorithm))
                .onFailure(StorageException.PartsRejected.class).transform(rejected -> ErrorCode.PART_MISMATCH.problem(
                        "Storage refused to assemble the parts (" + ((StorageException.PartsRejected) rejected).s3Code()
                                + "): " + rejected.getMessage()))
                .flatMap(completionEtag -> storage.headObject(upload.key).map(object -> {
                    long actual = object.map(MultipartStorage.StoredObject::size).orElse(-1L);
                    if (actual != expectedSize) {
                        throw new StorageException.Unavailable("object " + upload.key + " has " + actual
                                + " bytes after completion, expected " + expectedSize, null);
                    }
                    return Objects.requireNonNullElse(object.get().etag(), completionEtag);
                }))
                .flatMap(objectEtag -> checkThenFinish(upload, token, recorded, toComplete, objectEtag, expectedSize));
    }

    /**
     * Records a completion that storage finished but the ledger never heard of (a crash between
     * CompleteMultipartUpload and the finishing transaction): the object exists with the declared
     * size. Otherwise continues with {@code otherwise}.
     */
    private Uni<UploadWithParts> adoptEarlierCompletion(Upload upload, UUID token, List<UploadPart> recorded,
                                                        Supplier<Uni<UploadWithParts>> otherwise) {
        return storage.headObject(upload.key).flatMap(object -> {
            // An open-sized upload's key is its own (it carries the upload's id): any object there is its completion.
            if (object.isPresent() && (upload.openSized() || object.get().size() == upload.size)) {
                LOG.infof("upload %s was already completed in storage; recording it", upload.id);
                return checkThenFinish(upload, token, recorded, null, object.get().etag(), object.get().size());
            }
            return otherwise.get();
        });
    }

    /** The content check, then COMPLETED, or REJECTED with the object deleted. */
    private Uni<UploadWithParts> checkThenFinish(Upload upload, UUID token, List<UploadPart> recorded, List<StoredPart> assembled,
                                                 String objectEtag, long objectSize) {
        return contentCheck.check(upload).flatMap(finding -> {
            if (!finding.rejects()) {
                return finish(upload.id, token, recorded, assembled, objectEtag, objectSize);
            }
            LOG.warnf("upload %s rejected: %s", upload.id, finding.problem());
            return storage.deleteObject(upload.key).chain(() -> ledger.finish(upload.id, token, claimed -> {
                Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                claimed.markRejected(finding.detected(), now);
                return events.record(claimed, now).chain(() -> ledger.withParts(claimed));
            })).invoke(rejected -> {
                events.committed();
                metrics.rejected(rejected.upload());
            });
        });
    }

    /** The ledger side, in a short transaction: parts as S3 assembled them (when known), counters, COMPLETED, its event. */
    private Uni<UploadWithParts> finish(UUID id, UUID token, List<UploadPart> recorded, List<StoredPart> assembled,
                                        String objectEtag, long objectSize) {
        return ledger.finish(id, token, upload -> {
            Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
            var adoption = assembled == null
                    ? new PartReconciliation.Adoption(recorded, List.of(), List.of())
                    : PartReconciliation.assembled(upload.id, recorded, assembled, now);
            upload.recount(adoption.parts(), now);
            upload.markCompleted(objectEtag, objectSize, now);
            // The upload.completed event commits with the state, under the claim: one per completion.
            return ledger.write(adoption).call(() -> events.record(upload, now))
                    .replaceWith(new UploadWithParts(upload, adoption.parts()));
        }).invoke(completed -> {
            events.committed();
            metrics.completed(completed.upload());
        });
    }
}
