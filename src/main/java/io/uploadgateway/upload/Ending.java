package io.uploadgateway.upload;

/**
 * How an upload ended: the final state and what it records. {@link Upload#end} is the only writer
 * of a final state, and every ending reaches it through the one finishing transaction
 * ({@code upload.finish.Finisher}).
 */
public record Ending(UploadState state, String etag, Long size, String detectedContentType) {

    public Ending {
        if (state == null || state.isOpen() || state == UploadState.UPLOADING) {
            throw new IllegalArgumentException("an ending is a final state, not " + state);
        }
    }

    /** The object is assembled at the upload's key and passed every check: its ETag and size. */
    public static Ending completed(String etag, long size) {
        return new Ending(UploadState.COMPLETED, etag, size, null);
    }

    /**
     * This completion held back for the processing stage: the object is assembled with its ETag and
     * size, but PROCESSING, not served, until its steps pass. Any other ending stays as it is.
     */
    public Ending heldForProcessing() {
        return state == UploadState.COMPLETED ? new Ending(UploadState.PROCESSING, etag, size, null) : this;
    }

    /** The object's bytes are not of the declared (or an accepted) type: the object was deleted. */
    public static Ending rejected(String detectedContentType) {
        return new Ending(UploadState.REJECTED, null, null, detectedContentType);
    }

    /** A client or operator aborted it, or the gateway refused it (over its limits): nothing of it is left in storage. */
    public static Ending aborted() {
        return new Ending(UploadState.ABORTED, null, null, null);
    }

    /** The janitor ended it (idle, too old, or a form that was never used): nothing of it is left in storage. */
    public static Ending expired() {
        return new Ending(UploadState.EXPIRED, null, null, null);
    }
}
