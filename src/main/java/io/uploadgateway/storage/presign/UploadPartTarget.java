package io.uploadgateway.storage.presign;

/**
 * One multipart upload (bucket, key, upload id) with everything its part URLs share already
 * encoded: the URL up to {@code ?partNumber=}, the canonical URI, the encoded upload id and the
 * signed host. Make one per upload with {@link SigV4Presigner#uploadPartTarget} and keep it for
 * as many part URLs as needed; it does not depend on credentials or time. Immutable and
 * thread-safe; usable only with the signer that made it.
 */
public final class UploadPartTarget {

    final SigV4Presigner owner;
    private final String bucket;
    private final String key;
    private final String uploadId;
    /** {@code scheme://authority/path?partNumber=} */
    final byte[] urlPrefix;
    /** {@code &uploadId=ENCODED} (the URL and the canonical query share it) */
    final byte[] uploadIdParam;
    /** {@code PUT\n/path\n} */
    final byte[] canonicalHead;
    /** {@code host:authority\n} */
    final byte[] hostLine;

    UploadPartTarget(SigV4Presigner owner, String bucket, String key, String uploadId, byte[] urlPrefix,
                     byte[] uploadIdParam, byte[] canonicalHead, byte[] hostLine) {
        this.owner = owner;
        this.bucket = bucket;
        this.key = key;
        this.uploadId = uploadId;
        this.urlPrefix = urlPrefix;
        this.uploadIdParam = uploadIdParam;
        this.canonicalHead = canonicalHead;
        this.hostLine = hostLine;
    }

    public String bucket() {
        return bucket;
    }

    public String key() {
        return key;
    }

    public String uploadId() {
        return uploadId;
    }

    @Override
    public String toString() {
        return "UploadPartTarget[" + bucket + "/" + key + ", uploadId=" + uploadId + "]";
    }
}
