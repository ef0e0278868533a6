package io.uploadgateway.storage;

/** Something object storage said or failed to say, in the gateway's own terms. */
public abstract sealed class StorageException extends RuntimeException {

    protected StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    /** S3 could not be reached or answered with an error that is not the client's doing. */
    public static final class Unavailable extends StorageException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** S3 no longer knows the multipart upload (completed, aborted, or removed by a lifecycle rule). */
    public static final class NoSuchUpload extends StorageException {
        public NoSuchUpload(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** S3 refused the parts list at completion (InvalidPart, EntityTooSmall, InvalidPartOrder). */
    public static final class PartsRejected extends StorageException {
        private final String s3Code;

        public PartsRejected(String s3Code, String message, Throwable cause) {
            super(message, cause);
            this.s3Code = s3Code;
        }

        public String s3Code() {
            return s3Code;
        }
    }
}
