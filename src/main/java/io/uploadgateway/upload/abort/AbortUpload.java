package io.uploadgateway.upload.abort;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ends an upload that will not complete: AbortMultipartUpload in S3, then the final state in the
 * ledger. Clients and operators abort ({@code ABORTED}); the janitor expires ({@code EXPIRED}).
 */
@ApplicationScoped
public class AbortUpload {

    private final MultipartStorage storage;
    private final UploadLedger ledger;
    private final Clock clock;
    private final UploadMetrics metrics;

    public AbortUpload(MultipartStorage storage, UploadLedger ledger, Clock clock, UploadMetrics metrics) {
        this.storage = storage;
        this.ledger = ledger;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Aborts and marks the upload ABORTED; aborting an aborted or expired upload changes nothing. */
    public Uni<Upload> abort(Scope scope, UUID id) {
        AtomicBoolean abortedNow = new AtomicBoolean();
        return ledger.transaction(() -> ledger.lock(scope, id).flatMap(upload -> {
            if (upload.state == UploadState.ABORTED || upload.state == UploadState.EXPIRED) {
                return Uni.createFrom().item(upload);
            }
            if (upload.state == UploadState.COMPLETED) {
                throw ApiProblem.notActive("upload " + id + " is already completed; a completed upload cannot be aborted");
            }
            return storage.abortMultipartUpload(upload.key, upload.s3UploadId).map(ignored -> {
                upload.markAborted(now());
                abortedNow.set(true);
                return upload;
            });
        })).invoke(upload -> {
            if (abortedNow.get()) {
                metrics.aborted(upload);
            }
        });
    }

    /** The janitor's end of an idle upload whose row lock the caller holds: aborted in S3, then EXPIRED. */
    public Uni<Upload> expire(Upload upload) {
        return storage.abortMultipartUpload(upload.key, upload.s3UploadId).map(ignored -> {
            upload.markExpired(now());
            metrics.expired(upload);
            return upload;
        });
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
