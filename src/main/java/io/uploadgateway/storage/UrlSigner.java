package io.uploadgateway.storage;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.storage.MultipartStorage.PresignedRequest;
import io.uploadgateway.storage.presign.ChecksumAlgorithm;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Presigned S3 URLs: the gateway's hot path. Signing is CPU work in this process (no S3 round
 * trip), with the credentials the S3 client uses, refreshed in the background.
 */
public interface UrlSigner {

    /** {@code scheme://host[:port]} of every URL this signer makes: where browsers send the bytes. */
    String origin();

    /** The credentials to sign with now. Never blocks an event-loop thread. */
    Uni<Signing> signing();

    /** Signing with one set of credentials; every method is CPU only. */
    interface Signing {

        /** When these credentials expire, if they are temporary: no URL may outlive them. */
        Optional<Instant> credentialsExpiry();

        /** UploadPart URLs for parts of one upload, each signed for its exact length (and checksum, if given). */
        List<PresignedRequest> uploadParts(String key, String uploadId, List<PartToSign> parts, Duration expiry);

        /**
         * A presigned browser POST of {@code key} (Uppy's single-request path): the policy fixes the
         * key and the Content-Type and bounds the size from 0 to {@code maxBytes}.
         */
        PresignedPost post(String key, String contentType, long maxBytes, Duration expiry);

        /** A GetObject URL that makes S3 answer with the given Content-Disposition and Content-Type. */
        PresignedRequest download(String key, String contentDisposition, String contentType, Duration expiry);
    }

    /** A presigned POST: the form's target, its fields (in order, before the file) and when the policy expires. */
    record PresignedPost(String url, java.util.Map<String, String> fields, Instant expiresAt) {
    }

    /**
     * One part to sign: its number, its exact length, and optionally the base64 Content-MD5 and an
     * additional checksum the store then checks the bytes against.
     */
    record PartToSign(int partNumber, long contentLength, String contentMd5, ChecksumAlgorithm checksumAlgorithm,
                      String checksumValue) {
    }
}
