package io.uploadgateway.upload.finish;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.problem.Errors;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.Ending;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.UploadWithParts;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/**
 * Ends an upload that will not be completed by its client: claimed (ABORTING), storage cleaned
 * with no database connection held, then the one finishing write ({@link Finisher}).
 * <ul>
 *   <li>An abort (client or operator, {@code ABORTED}) removes everything the upload put in
 *       storage, whatever its kind: the multipart upload and its parts, a single-request upload's
 *       staged object, and an object a completion assembled but never recorded.</li>
 *   <li>An expiry (the janitor, {@code EXPIRED}) removes what nobody will finish; but bytes that
 *       are all there (a form's object that arrived, an object storage assembled for a completion
 *       that was never recorded) are completed through the same checks as any completion
 *       ({@link CompleteUpload}), never recorded unchecked.</li>
 * </ul>
 */
@ApplicationScoped
public class AbortUpload {

    private final Stores stores;
    private final UploadLedger ledger;
    private final Transitions transitions;
    private final Finisher finisher;
    private final CompleteUpload completion;

    public AbortUpload(Stores stores, UploadLedger ledger, Transitions transitions, Finisher finisher,
                       CompleteUpload completion) {
        this.stores = stores;
        this.ledger = ledger;
        this.transitions = transitions;
        this.finisher = finisher;
        this.completion = completion;
    }

    /** Aborts and marks the upload ABORTED; aborting an ended upload changes nothing, a completed one is a 409. */
    public Uni<Upload> abort(Scope scope, UUID id) {
        return end(scope, id, UploadState.ABORTED);
    }

    /**
     * Runs the end of an upload towards {@code target} (ABORTED, or EXPIRED for a stale expiry claim
     * the janitor takes over), answering an upload that already ended as it is.
     */
    public Uni<Upload> end(Scope scope, UUID id, UploadState target) {
        return transitions.run(scope, id, new Transitions.Transition<>() {
            @Override
            public UploadState target() {
                return target;
            }

            @Override
            public Uni<Upload> answerFor(Upload upload) {
                if (upload.state.isAssembled()) {
                    throw Errors.alreadyCompleted(upload.id, upload.state);
                }
                return Uni.createFrom().item(upload); // ABORTED, EXPIRED or REJECTED: nothing left to do
            }

            @Override
            public Uni<Upload> inStorage(Upload claimed, UUID token) {
                return endClaimed(claimed, token);
            }
        });
    }

    /** The storage side and the finish of an ABORTING claim the caller holds with {@code token}. */
    public Uni<Upload> endClaimed(Upload claimed, UUID token) {
        return (claimed.claimedFor == UploadState.EXPIRED ? expire(claimed, token) : removeAll(claimed, token))
                .map(UploadWithParts::upload);
    }

    private Uni<UploadWithParts> removeAll(Upload upload, UUID token) {
        MultipartStorage storage = stores.storage(upload.store);
        Uni<?> removal = upload.kind.isMultipart()
                // Gone from S3's multipart list: a completion storage finished but the ledger never recorded may have left the object.
                ? storage.abortMultipartUpload(upload.key, upload.s3UploadId)
                        .call(abortedNow -> abortedNow ? Uni.createFrom().voidItem() : storage.deleteObject(upload.key))
                // The staged object goes with the finish; a copy a completion made but never recorded goes now.
                : storage.deleteObject(upload.key);
        return removal.chain(() -> finisher.finish(upload.id, token, Ending.aborted(), null));
    }

    private Uni<UploadWithParts> expire(Upload upload, UUID token) {
        MultipartStorage storage = stores.storage(upload.store);
        Uni<UploadWithParts> ended = upload.kind.isMultipart()
                ? storage.abortMultipartUpload(upload.key, upload.s3UploadId).flatMap(abortedNow -> abortedNow
                        ? expired(upload, token)
                        : storage.headObject(upload.key).flatMap(object -> object.isPresent()
                                ? completion.adopt(upload, token, object.get(),
                                        () -> storage.deleteObject(upload.key).chain(() -> expired(upload, token)))
                                : expired(upload, token)))
                // The form can no longer be used: what it sent is completed through the checks, or nothing arrived.
                : completion.completeClaimed(upload, token, null)
                        .onFailure(CompleteUpload::nothingArrived).recoverWithUni(() -> expired(upload, token));
        return ended.onFailure(AbortUpload::refusedAndEnded)
                .recoverWithUni(() -> ledger.session(() -> ledger.find(Scope.operator(), upload.id).flatMap(ledger::withParts)));
    }

    private Uni<UploadWithParts> expired(Upload upload, UUID token) {
        return finisher.finish(upload.id, token, Ending.expired(), null);
    }

    /** The completion refused the upload over its limits: it already ended ABORTED. */
    private static boolean refusedAndEnded(Throwable failure) {
        return failure instanceof ApiProblem problem && problem.error() == ErrorCode.TOO_LARGE;
    }
}
