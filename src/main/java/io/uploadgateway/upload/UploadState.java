package io.uploadgateway.upload;

/**
 * Lifecycle of an upload. Transitions that wait on S3 go through a claimed state, committed
 * before S3 is called: {@code UPLOADING → COMPLETING → COMPLETED} (complete), {@code UPLOADING →
 * ABORTING → ABORTED} (client or operator abort) and {@code UPLOADING → ABORTING → EXPIRED} (the
 * janitor). A claim whose S3 work fails before S3 changed anything returns to {@code UPLOADING}.
 * A completion whose bytes contradict the declared content type ends {@code REJECTED}: the object
 * is deleted. With processing steps configured ({@code gateway.scan.clamd}, a processing webhook), a
 * completion ends {@code PROCESSING} instead: the object is assembled but not served until every
 * step passed ({@code PROCESSING → COMPLETED}) or one failed it ({@code PROCESSING → QUARANTINED};
 * an operator may release it to {@code COMPLETED}).
 */
public enum UploadState {
    UPLOADING,
    COMPLETING,
    COMPLETED,
    ABORTING,
    ABORTED,
    EXPIRED,
    REJECTED,
    PROCESSING,
    QUARANTINED;

    /** Whether an upload in this state is still in the bucket's multipart list (not yet completed or aborted). */
    public boolean isOpen() {
        return this == UPLOADING || this == COMPLETING || this == ABORTING;
    }

    /**
     * Whether the upload's object was assembled: served ({@code COMPLETED}), held for its steps
     * ({@code PROCESSING}) or kept away ({@code QUARANTINED}). Such an upload has its ETag and size,
     * and nobody aborts it any more.
     */
    public boolean isAssembled() {
        return this == COMPLETED || this == PROCESSING || this == QUARANTINED;
    }
}
