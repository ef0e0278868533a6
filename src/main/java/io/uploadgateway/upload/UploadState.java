package io.uploadgateway.upload;

/**
 * Lifecycle of an upload. {@code UPLOADING → COMPLETED} through a completion that holds the
 * upload's row lock; {@code UPLOADING → ABORTED} by the client or an admin;
 * {@code UPLOADING → EXPIRED} by the janitor. {@code COMPLETING} is part of the contract for
 * observers; this gateway completes under a row lock, so readers never see it.
 */
public enum UploadState {
    UPLOADING,
    COMPLETING,
    COMPLETED,
    ABORTED,
    EXPIRED
}
