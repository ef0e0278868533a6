package io.uploadgateway.upload;

/**
 * The three ways bytes reach storage. Every rule that differs between them asks this, once; none
 * infers the kind from missing columns.
 */
public enum UploadKind {

    /**
     * A multipart upload of a declared size (the native API, or {@code /s3} with a size hint): every
     * part is planned ({@link PartPlan}) and each URL is signed for its part's exact length. It
     * reserves its size of the owner's bytes quota.
     */
    PLANNED,

    /**
     * A multipart upload whose size nobody said (Uppy's {@code /s3}): parts of any length, so each
     * signed part number reserves the 5 GiB its URL allows (never more than the gateway's maximum);
     * the total is known from ListParts, at completion or when the janitor looks.
     */
    OPEN_SIZED,

    /**
     * One presigned POST of the whole object (Uppy's {@code /s3/params}) to a staging key; completion
     * checks the staged object and copies it to the upload's key, which only the gateway writes.
     * It reserves the most its form allows.
     */
    SINGLE_REQUEST;

    /** Whether the bytes arrive as parts of an S3 multipart upload (an S3 upload id, ListParts, CompleteMultipartUpload). */
    public boolean isMultipart() {
        return this != SINGLE_REQUEST;
    }
}
