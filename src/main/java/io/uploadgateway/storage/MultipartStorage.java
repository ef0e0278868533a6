package io.uploadgateway.storage;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.storage.presign.ChecksumAlgorithm;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's only view of object storage calls (presigned URLs: {@link UrlSigner}). Calls return on
 * the caller's Vert.x context, so ledger work can continue in the same reactive session. Every
 * call is bounded in time ({@code gateway.storage.*}). Failures surface as
 * {@link StorageException}s, never as SDK types.
 */
public interface MultipartStorage {

    /**
     * CreateMultipartUpload; returns S3's upload id. With a {@code checksumAlgorithm} (else null)
     * the store checks every part's {@code x-amz-checksum-*} of that algorithm.
     */
    Uni<String> createMultipartUpload(String key, String contentType, Map<String, String> metadata,
                                      ChecksumAlgorithm checksumAlgorithm);

    /** ListParts, every page, sorted by part number. */
    Uni<List<StoredPart>> listParts(String key, String uploadId);

    /**
     * CompleteMultipartUpload with parts sorted by number; returns the object's ETag. Parts carrying
     * a {@code checksum} pass it as the part's checksum of {@code checksumAlgorithm}.
     */
    Uni<String> completeMultipartUpload(String key, String uploadId, List<StoredPart> parts, ChecksumAlgorithm checksumAlgorithm);

    /**
     * AbortMultipartUpload: true when S3 aborted it now, false when S3 no longer knew it (aborted
     * before, removed by a lifecycle rule, or completed: only HeadObject can tell).
     */
    Uni<Boolean> abortMultipartUpload(String key, String uploadId);

    /** HeadObject; empty when there is no such object. */
    Uni<Optional<StoredObject>> headObject(String key);

    /** The object's first {@code length} bytes (fewer if it is shorter): a ranged GetObject. */
    default Uni<byte[]> readStart(String key, int length) {
        return readRange(key, 0, length);
    }

    /** {@code length} bytes of the object from {@code offset} (fewer at its end): a ranged GetObject. */
    Uni<byte[]> readRange(String key, long offset, int length);

    /** DeleteObject; deleting a missing object is not an error. */
    Uni<Void> deleteObject(String key);

    /**
     * CopyObject within the bucket, server-side: {@code from} to {@code to}, only while {@code from}
     * still has the ETag {@code ifMatch} ({@link StorageException.Changed} otherwise), with
     * {@code contentType} and {@code metadata} replacing the source's. Returns the copy's ETag.
     */
    Uni<String> copyObject(String from, String ifMatch, String to, String contentType, Map<String, String> metadata);

    /** ListObjectsV2 under a key prefix, every page: each key with when it was last written. */
    Uni<List<StoredKey>> listObjects(String keyPrefix);

    /** ListMultipartUploads under a key prefix, every page. */
    Uni<List<PendingMultipartUpload>> listMultipartUploads(String keyPrefix);

    /**
     * HeadBucket within {@code timeout}: whether the bucket answers, and the {@code Date} header of
     * S3's answer (error answers included) for measuring clock skew. Never fails.
     */
    Uni<BucketProbe> probeBucket(Duration timeout);

    /** A part as ListParts reports it; {@code checksum} is its additional checksum when the store reports one. */
    record StoredPart(int partNumber, String etag, long size, Instant lastModified, String checksum) {

        public StoredPart withChecksum(String value) {
            return new StoredPart(partNumber, etag, size, lastModified, value);
        }
    }

    record StoredObject(long size, String etag, String contentType) {
    }

    record PendingMultipartUpload(String key, String uploadId, Instant initiated) {
    }

    record StoredKey(String key, Instant lastModified) {
    }

    /** {@code error} is a short, secret-free reason when the bucket did not answer; {@code date} is S3's clock, if seen. */
    record BucketProbe(boolean up, String error, Optional<String> date) {
    }

    record PresignedRequest(String url, String method, Map<String, String> headers, Instant expiresAt) {
    }
}
