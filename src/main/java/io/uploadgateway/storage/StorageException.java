package io.uploadgateway.storage;

/** Something object storage said or failed to say, in the gateway's own terms. */
public abstract sealed class StorageException extends RuntimeException {

    protected StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    /** S3 could not be reached, did not answer in time, or failed on its side: worth retrying later. */
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

    /** A conditional request's condition no longer held: the object changed since it was looked at. */
    public static final class Changed extends StorageException {
        public Changed(String message, Throwable cause) {
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

    /**
     * S3 answered with an error that retrying will not change: the request itself ({@link Kind#INVALID},
     * {@link Kind#TOO_LARGE}) or the gateway's bucket, credentials or clock ({@link Kind#DENIED}).
     */
    public static final class Refused extends StorageException {

        public enum Kind { INVALID, TOO_LARGE, DENIED }

        private final Kind kind;
        private final String s3Code;

        public Refused(Kind kind, String s3Code, String message, Throwable cause) {
            super(message, cause);
            this.kind = kind;
            this.s3Code = s3Code;
        }

        public Kind kind() {
            return kind;
        }

        public String s3Code() {
            return s3Code;
        }
    }
}
