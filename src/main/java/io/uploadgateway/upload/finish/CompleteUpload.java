package io.uploadgateway.upload.finish;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.problem.Errors;
import io.uploadgateway.storage.MultipartStorage.StoredObject;
import io.uploadgateway.storage.MultipartStorage.StoredPart;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.storage.StorageException;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.Ending;
import io.uploadgateway.upload.PartReconciliation.Verdict;
import io.uploadgateway.upload.PartReconciliation;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadKind;
import io.uploadgateway.upload.UploadPart;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.UploadWithParts;
import io.uploadgateway.upload.ledger.SignLookup;
import io.uploadgateway.upload.ledger.UploadLedger;
import io.uploadgateway.upload.quota.Reservations;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Completes an upload, whatever its kind, through the same checks in the same order: what
 * storage holds against the plan (every planned part present, of its size, with the ETag the
 * client reported) or the object that arrived; the size against what the upload reserved (and so
 * its owner's quota) and the gateway's maximum; integrity (the additional checksums the parts were
 * signed for; the staged object pinned by its ETag); the object assembled at the upload's key,
 * which only the gateway writes; the content check on that object; then the one finishing write
 * ({@link Finisher}). The upload is claimed (COMPLETING) while storage works, with no database
 * connection held ({@link Transitions}); concurrent completes make one completion and get the
 * same answer. A completed upload is answered as it is.
 */
@ApplicationScoped
public class CompleteUpload {

    private static final Logger LOG = Logger.getLogger(CompleteUpload.class);

    private final Stores stores;
    private final UploadLedger ledger;
    private final Transitions transitions;
    private final Finisher finisher;
    private final ContentCheck contentCheck;
    private final Reservations reservations;
    private final SignLookup lookup;

    public CompleteUpload(Stores stores, UploadLedger ledger, Transitions transitions, Finisher finisher,
                          ContentCheck contentCheck, Reservations reservations, SignLookup lookup) {
        this.stores = stores;
        this.ledger = ledger;
        this.transitions = transitions;
        this.finisher = finisher;
        this.contentCheck = contentCheck;
        this.reservations = reservations;
        this.lookup = lookup;
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
                if (upload.state.isAssembled() || upload.state == UploadState.REJECTED) {
                    return ledger.withParts(upload);
                }
                throw Errors.notUploading(upload.id, upload.state);
            }

            @Override
            public Uni<UploadWithParts> inStorage(Upload claimed, UUID token) {
                return completeClaimed(claimed, token, reported);
            }
        }).map(done -> {
            if (done.upload().state == UploadState.REJECTED) {
                throw contentMismatch(done.upload());
            }
            return done;
        });
    }

    /**
     * For a single-request upload: completes it if its object arrived, else answers it as it is
     * (still UPLOADING).
     */
    public Uni<UploadWithParts> ifArrived(Scope scope, UUID id) {
        return complete(scope, id)
                .onFailure(CompleteUpload::nothingArrived)
                .recoverWithUni(() -> ledger.session(() -> ledger.find(scope, id).flatMap(ledger::withParts)));
    }

    /** Whether a completion failed only because the bytes are not (all) in storage yet. */
    static boolean nothingArrived(Throwable failure) {
        return failure instanceof ApiProblem problem && problem.error() == ErrorCode.PARTS_MISSING;
    }

    /** The completion of an upload claimed with {@code token}: what storage holds, by kind, then the checks. */
    Uni<UploadWithParts> completeClaimed(Upload upload, UUID token, Map<Integer, String> reported) {
        return upload.kind.isMultipart() ? assembleParts(upload, token, reported) : copyStaged(upload, token);
    }

    /**
     * What storage holds at the upload's key when its bytes were already assembled there (a
     * completion storage finished but the ledger never recorded): the same checks from the size
     * on. An object that does not fit the upload gets {@code misfit}.
     */
    Uni<UploadWithParts> adopt(Upload upload, UUID token, StoredObject object, Supplier<Uni<UploadWithParts>> misfit) {
        if (upload.kind == UploadKind.PLANNED && object.size() != upload.size) {
            return misfit.get();
        }
        LOG.infof("upload %s was already assembled in storage; completing it through the checks", upload.id);
        return withinLimits(upload, token, object.size(), () -> stores.storage(upload.store).deleteObject(upload.key))
                .chain(() -> checkContentThenFinish(upload, token, object, null));
    }

    // --- multipart: ListParts, the plan, CompleteMultipartUpload

    private Uni<UploadWithParts> assembleParts(Upload upload, UUID token, Map<Integer, String> reported) {
        // S3 forgets a completed multipart upload: ListParts then answers NoSuchUpload (AWS) or an
        // empty list (S3Proxy). Either way an earlier completion may have assembled the object.
        return ledger.session(() -> ledger.parts(upload)).flatMap(recorded -> stores.storage(upload.store)
                        .listParts(upload.key, upload.s3UploadId)
                .flatMap(listed -> !listed.isEmpty() ? checkParts(upload, token, recorded, listed, reported)
                        : assembledEarlier(upload, token, () -> checkParts(upload, token, recorded, listed, reported)))
                .onFailure(StorageException.NoSuchUpload.class)
                .recoverWithUni(() -> assembledEarlier(upload, token, () -> Uni.createFrom().failure(Errors.goneFromStorage(upload.id)))));
    }

    private Uni<UploadWithParts> assembledEarlier(Upload upload, UUID token, Supplier<Uni<UploadWithParts>> otherwise) {
        return stores.storage(upload.store).headObject(upload.key).flatMap(object -> object.isPresent()
                ? adopt(upload, token, object.get(), otherwise)
                : otherwise.get());
    }

    private Uni<UploadWithParts> checkParts(Upload upload, UUID token, List<UploadPart> recorded, List<StoredPart> listed,
                                            Map<Integer, String> reported) {
        Verdict verdict = verdict(upload, recorded, listed, reported);
        if (!verdict.missing().isEmpty()) {
            throw ErrorCode.PARTS_MISSING.problem(verdict.missing().size() + " of "
                            + (upload.kind == UploadKind.PLANNED ? String.valueOf(upload.partCount) : "the reported")
                            + " parts are not in storage yet; upload them and complete again")
                    .with("missingParts", verdict.missing());
        }
        if (!verdict.mismatched().isEmpty()) {
            throw ErrorCode.PART_MISMATCH.problem("Storage holds different bytes than expected for " + verdict.mismatched().size()
                            + " part(s): re-upload those parts (or GET ?sync=true to adopt what storage holds) and complete again")
                    .with("mismatchedParts", verdict.mismatched());
        }
        long total = upload.kind == UploadKind.PLANNED ? upload.size : PartReconciliation.totalOf(verdict);
        MultipartStorage storage = stores.storage(upload.store);
        return withinLimits(upload, token, total, () -> storage.abortMultipartUpload(upload.key, upload.s3UploadId))
                .chain(() -> withChecksums(upload, verdict.toComplete()))
                .flatMap(parts -> storage.completeMultipartUpload(upload.key, upload.s3UploadId, parts, upload.checksumAlgorithm)
                        .onFailure(StorageException.PartsRejected.class).transform(rejected -> ErrorCode.PART_MISMATCH.problem(
                                "Storage refused to assemble the parts (" + ((StorageException.PartsRejected) rejected).s3Code()
                                        + "): " + rejected.getMessage()))
                        .flatMap(etag -> assembledObject(upload, total, etag))
                        .flatMap(object -> checkContentThenFinish(upload, token, object, parts)));
    }

    /** The client's ETags are the word on the parts it names; the ledger's only on parts it does not name. */
    private static Verdict verdict(Upload upload, List<UploadPart> recorded, List<StoredPart> listed, Map<Integer, String> reported) {
        if (reported == null) {
            return PartReconciliation.judge(upload.plan(), recorded, listed);
        }
        var named = PartReconciliation.reported(reported, listed);
        return named.refusal() != null ? named.refusal() : PartReconciliation.judge(upload.plan(),
                recorded.stream().filter(p -> !reported.containsKey(p.partNumber)).toList(), named.listed());
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

    /** The assembled object must have exactly the size its parts add up to. */
    private Uni<StoredObject> assembledObject(Upload upload, long total, String completionEtag) {
        return stores.storage(upload.store).headObject(upload.key).map(object -> {
            if (object.isEmpty() || object.get().size() != total) {
                throw new StorageException.Unavailable("object " + upload.key + " has " + object.map(StoredObject::size).orElse(-1L)
                        + " bytes after completion, expected " + total, null);
            }
            return object.get().etag() != null ? object.get() : new StoredObject(total, completionEtag, object.get().contentType());
        });
    }

    // --- single request: the staged object, copied to the upload's key

    /**
     * A presigned POST wrote the staging key, which the caller can write again while the form is
     * valid: the object is checked there, then copied server-side to the upload's key only if it
     * still has the ETag that was checked, so a POST replayed later only ever changes staging.
     */
    private Uni<UploadWithParts> copyStaged(Upload upload, UUID token) {
        MultipartStorage storage = stores.storage(upload.store);
        return storage.headObject(upload.stagingKey).flatMap(staged -> {
            if (staged.isEmpty()) {
                return Uni.createFrom().failure(ErrorCode.PARTS_MISSING.problem("upload " + upload.id + " is a single-request"
                        + " upload whose object is not in storage yet: POST the file with the fields from /s3/params, then"
                        + " complete again").with("missingParts", List.of()));
            }
            StoredObject object = staged.get();
            return withinLimits(upload, token, object.size(), () -> storage.deleteObject(upload.stagingKey))
                    .chain(() -> upload.stagingKey.equals(upload.key)
                            ? Uni.createFrom().item(object.etag()) // a form issued before staging keys wrote the upload's key itself
                            : storage.copyObject(upload.stagingKey, object.etag(), upload.key, upload.contentType, upload.metadata)
                                    .onFailure(StorageException.Changed.class).transform(changed -> ErrorCode.PART_MISMATCH.problem(
                                            "upload " + upload.id + ": its object was sent again while it was being completed;"
                                                    + " complete again")))
                    .flatMap(etag -> checkContentThenFinish(upload, token, new StoredObject(object.size(), etag, upload.contentType),
                            null));
        });
    }

    // --- the checks every kind goes through

    /**
     * The size against the upload's limits and its owner's quota ({@link Reservations#excess}).
     * Over them, {@code removal} takes the bytes out of storage, the upload ends ABORTED, and the
     * call answers 413.
     */
    private Uni<Void> withinLimits(Upload upload, UUID token, long total, Supplier<Uni<?>> removal) {
        return reservations.excess(upload, total).flatMap(reason -> reason == null ? Uni.createFrom().voidItem()
                : refuse(upload, token, removal, total, reason));
    }

    private Uni<Void> refuse(Upload upload, UUID token, Supplier<Uni<?>> removal, long total, String reason) {
        return removal.get()
                .chain(() -> finisher.finish(upload.id, token, Ending.aborted(), null))
                .invoke(refused -> LOG.infof("upload %s refused at completion: %s", upload.id, reason))
                .chain(refused -> Uni.createFrom().failure(ErrorCode.TOO_LARGE.problem("upload " + upload.id + " was refused: " + reason
                        + "; it is ABORTED and its bytes removed from storage").with("size", total)));
    }

    /** The content check on the object at the upload's key, then COMPLETED; or REJECTED with the object deleted. */
    private Uni<UploadWithParts> checkContentThenFinish(Upload upload, UUID token, StoredObject object, List<StoredPart> parts) {
        return contentCheck.check(upload).flatMap(finding -> {
            if (!finding.rejects()) {
                return finisher.finish(upload.id, token, Ending.completed(object.etag(), object.size()), parts);
            }
            LOG.warnf("upload %s rejected: %s", upload.id, finding.problem());
            return stores.storage(upload.store).deleteObject(upload.key)
                    .chain(() -> finisher.finish(upload.id, token, Ending.rejected(finding.detected()), null));
        });
    }

    private static RuntimeException contentMismatch(Upload rejected) {
        return ErrorCode.CONTENT_MISMATCH.problem("upload " + rejected.id + " was declared as " + rejected.contentType
                        + " but its bytes are " + rejected.detectedContentType + "; it is REJECTED and the object deleted")
                .with("declaredContentType", rejected.contentType)
                .with("detectedContentType", rejected.detectedContentType);
    }
}
