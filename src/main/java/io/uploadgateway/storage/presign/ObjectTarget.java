package io.uploadgateway.storage.presign;

/**
 * One object (bucket, key) with everything its GetObject URLs share already encoded: the URL up
 * to {@code ?}, the canonical URI and the signed host. Make one with
 * {@link SigV4Presigner#objectTarget} and keep it as long as convenient; it does not depend on
 * credentials or time. Immutable and thread-safe; usable only with the signer that made it.
 */
public final class ObjectTarget {

    final SigV4Presigner owner;
    private final String bucket;
    private final String key;
    /** {@code scheme://authority/path?} */
    final byte[] urlPrefix;
    /** {@code GET\n/path\n} */
    final byte[] canonicalHead;
    /** {@code host:authority\n} */
    final byte[] hostLine;

    ObjectTarget(SigV4Presigner owner, String bucket, String key, byte[] urlPrefix, byte[] canonicalHead, byte[] hostLine) {
        this.owner = owner;
        this.bucket = bucket;
        this.key = key;
        this.urlPrefix = urlPrefix;
        this.canonicalHead = canonicalHead;
        this.hostLine = hostLine;
    }

    public String bucket() {
        return bucket;
    }

    public String key() {
        return key;
    }

    @Override
    public String toString() {
        return "ObjectTarget[" + bucket + "/" + key + "]";
    }
}
