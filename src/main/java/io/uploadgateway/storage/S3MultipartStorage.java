package io.uploadgateway.storage;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.StorageConfig;
import io.uploadgateway.storage.presign.ChecksumAlgorithm;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * {@link MultipartStorage} of one store's bucket on the AWS SDK's async client (CRT HTTP client, no
 * blocking). Works unchanged against AWS S3, R2, MinIO and S3Proxy: only configuration differs.
 */
public class S3MultipartStorage implements MultipartStorage {

    private static final Logger LOG = Logger.getLogger(S3MultipartStorage.class);

    /** Codes S3 answers for a request it will never accept as sent. */
    private static final Set<String> INVALID = Set.of("InvalidArgument", "InvalidRequest", "KeyTooLongError",
            "MetadataTooLarge", "InvalidDigest", "BadDigest", "MalformedXML", "InvalidStorageClass", "InvalidEncryptionAlgorithmError");
    /** Codes that say the gateway's bucket, credentials or clock are wrong: an operator must act, retrying will not help. */
    private static final Set<String> DENIED = Set.of("AccessDenied", "AllAccessDisabled", "AccountProblem", "NoSuchBucket",
            "InvalidBucketName", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AuthorizationHeaderMalformed",
            "PermanentRedirect", "RequestTimeTooSkewed", "InvalidObjectState", "MethodNotAllowed", "NotImplemented",
            "InvalidToken", "ExpiredToken", "InvalidSecurity");

    private final S3AsyncClient s3;
    private final String bucket;
    private final Duration callTimeout;
    /** Every reactive S3 call fails by then even if the SDK's own timeouts did not fire. */
    private final Duration bound;

    S3MultipartStorage(S3AsyncClient s3, String bucket, StorageConfig bounds) {
        this.s3 = s3;
        this.bucket = bucket;
        this.callTimeout = bounds.callTimeout();
        this.bound = callTimeout.plusSeconds(2);
    }

    @Override
    public Uni<String> createMultipartUpload(String key, String contentType, Map<String, String> metadata,
                                             ChecksumAlgorithm checksumAlgorithm) {
        return call("CreateMultipartUpload", () -> s3.createMultipartUpload(r -> r
                .bucket(bucket).key(key).contentType(contentType).metadata(metadata)
                .checksumAlgorithm(checksumAlgorithm == null ? null : checksumAlgorithm.name())))
                .map(response -> response.uploadId());
    }

    /** Every page within one call's bound: a completion's listing is one step, however many parts it has. */
    @Override
    public Uni<List<StoredPart>> listParts(String key, String uploadId) {
        return listPartsFrom(key, uploadId, null, new ArrayList<>())
                .ifNoItem().after(bound).failWith(() -> new StorageException.Unavailable("ListParts got no answer within "
                        + bound.toSeconds() + " s", null));
    }

    private Uni<List<StoredPart>> listPartsFrom(String key, String uploadId, Integer marker, List<StoredPart> into) {
        return call("ListParts", () -> s3.listParts(r -> r.bucket(bucket).key(key).uploadId(uploadId)
                .partNumberMarker(marker)))
                .flatMap((ListPartsResponse page) -> {
                    page.parts().forEach(p -> into.add(new StoredPart(p.partNumber(), p.eTag(),
                            p.size() == null ? 0 : p.size(), p.lastModified(), checksumOf(p))));
                    if (Boolean.TRUE.equals(page.isTruncated()) && page.nextPartNumberMarker() != null
                            && !page.nextPartNumberMarker().equals(marker)) {
                        return listPartsFrom(key, uploadId, page.nextPartNumberMarker(), into);
                    }
                    into.sort(Comparator.comparingInt(StoredPart::partNumber));
                    return Uni.createFrom().item(into);
                });
    }

    @Override
    public Uni<String> completeMultipartUpload(String key, String uploadId, List<StoredPart> parts,
                                               ChecksumAlgorithm checksumAlgorithm) {
        List<CompletedPart> completed = parts.stream()
                .sorted(Comparator.comparingInt(StoredPart::partNumber))
                .map(p -> completedPart(p, checksumAlgorithm))
                .toList();
        // S3 may take long to assemble many parts (it keeps the connection alive meanwhile): one
        // attempt may use the whole call timeout.
        return call("CompleteMultipartUpload", () -> s3.completeMultipartUpload(r -> r
                .bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(completed))
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(callTimeout))))
                .map(response -> response.eTag());
    }

    /** The part's additional checksum as ListParts reports it (a store reports at most one), or null. */
    private static String checksumOf(Part part) {
        return part.checksumSHA256() != null ? part.checksumSHA256()
                : part.checksumCRC32C() != null ? part.checksumCRC32C()
                : part.checksumCRC32() != null ? part.checksumCRC32()
                : part.checksumSHA1() != null ? part.checksumSHA1()
                : part.checksumCRC64NVME();
    }

    private static CompletedPart completedPart(StoredPart part, ChecksumAlgorithm algorithm) {
        CompletedPart.Builder builder = CompletedPart.builder().partNumber(part.partNumber()).eTag(part.etag());
        if (algorithm != null && part.checksum() != null) {
            switch (algorithm) {
                case SHA256 -> builder.checksumSHA256(part.checksum());
                case SHA1 -> builder.checksumSHA1(part.checksum());
                case CRC32 -> builder.checksumCRC32(part.checksum());
                case CRC32C -> builder.checksumCRC32C(part.checksum());
                case CRC64NVME -> builder.checksumCRC64NVME(part.checksum());
            }
        }
        return builder.build();
    }

    @Override
    public Uni<Boolean> abortMultipartUpload(String key, String uploadId) {
        return call("AbortMultipartUpload", () -> s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId)))
                .replaceWith(true)
                .onFailure(StorageException.NoSuchUpload.class).recoverWithItem(false);
    }

    @Override
    public Uni<Optional<StoredObject>> headObject(String key) {
        return call("HeadObject", () -> s3.headObject(r -> r.bucket(bucket).key(key)))
                .map(h -> Optional.of(new StoredObject(h.contentLength(), h.eTag(), h.contentType())))
                .onFailure(NotFound.class).recoverWithItem(Optional.empty());
    }

    @Override
    public Uni<byte[]> readRange(String key, long offset, int length) {
        return call("GetObject", () -> s3.getObject(r -> r.bucket(bucket).key(key).range("bytes=" + offset + "-" + (offset + length - 1)),
                new ExactBytes(length)));
    }

    @Override
    public Uni<Void> deleteObject(String key) {
        return call("DeleteObject", () -> s3.deleteObject(r -> r.bucket(bucket).key(key))).replaceWithVoid();
    }

    @Override
    public Uni<String> copyObject(String from, String ifMatch, String to, String contentType, Map<String, String> metadata) {
        // A copy of up to 5 GiB may take S3 a while: one attempt may use the whole call timeout.
        return call("CopyObject", () -> s3.copyObject(r -> r.sourceBucket(bucket).sourceKey(from).copySourceIfMatch(ifMatch)
                .destinationBucket(bucket).destinationKey(to)
                .metadataDirective(MetadataDirective.REPLACE).contentType(contentType).metadata(metadata)
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(callTimeout))))
                .map(response -> response.copyObjectResult().eTag());
    }

    @Override
    public Uni<List<StoredKey>> listObjects(String keyPrefix) {
        return listObjectsFrom(keyPrefix, null, new ArrayList<>());
    }

    private Uni<List<StoredKey>> listObjectsFrom(String prefix, String token, List<StoredKey> into) {
        return call("ListObjectsV2", () -> s3.listObjectsV2(r -> r.bucket(bucket).prefix(prefix).continuationToken(token)))
                .flatMap((ListObjectsV2Response page) -> {
                    page.contents().forEach(o -> into.add(new StoredKey(o.key(), o.lastModified())));
                    boolean more = Boolean.TRUE.equals(page.isTruncated()) && page.nextContinuationToken() != null
                            && !page.nextContinuationToken().equals(token);
                    return more ? listObjectsFrom(prefix, page.nextContinuationToken(), into) : Uni.createFrom().item(into);
                });
    }

    @Override
    public Uni<List<PendingMultipartUpload>> listMultipartUploads(String keyPrefix) {
        return listUploadsFrom(keyPrefix, null, null, new ArrayList<>());
    }

    private Uni<List<PendingMultipartUpload>> listUploadsFrom(String prefix, String keyMarker, String idMarker,
                                                             List<PendingMultipartUpload> into) {
        return call("ListMultipartUploads", () -> s3.listMultipartUploads(r -> r.bucket(bucket).prefix(prefix)
                .keyMarker(keyMarker).uploadIdMarker(idMarker)))
                .flatMap((ListMultipartUploadsResponse page) -> {
                    page.uploads().forEach(u -> into.add(new PendingMultipartUpload(u.key(), u.uploadId(), u.initiated())));
                    boolean more = Boolean.TRUE.equals(page.isTruncated()) && page.nextKeyMarker() != null
                            && !(page.nextKeyMarker().equals(keyMarker) && Objects.equals(page.nextUploadIdMarker(), idMarker));
                    return more
                            ? listUploadsFrom(prefix, page.nextKeyMarker(), page.nextUploadIdMarker(), into)
                            : Uni.createFrom().item(into);
                });
    }

    @Override
    public Uni<BucketProbe> probeBucket(Duration timeout) {
        return Uni.createFrom().completionStage(() -> s3.headBucket(r -> r.bucket(bucket)
                        .overrideConfiguration(o -> o.apiCallTimeout(timeout))))
                .ifNoItem().after(timeout.plusSeconds(1)).fail()
                .map(response -> new BucketProbe(true, null, date(response.sdkHttpResponse())))
                .onFailure().recoverWithItem(failure -> {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    Optional<String> date = cause instanceof S3Exception s3e && s3e.awsErrorDetails() != null
                            ? date(s3e.awsErrorDetails().sdkHttpResponse()) : Optional.empty();
                    return new BucketProbe(false, reason(cause), date);
                });
    }

    /**
     * A short, secret-free reason for a failed call, for logs and readiness: {@code HTTP 501
     * NotImplemented} for S3's answer, else what kept the answer from coming.
     */
    static String reason(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof S3Exception s3e) {
            String code = s3e.awsErrorDetails() == null ? null : s3e.awsErrorDetails().errorCode();
            return "HTTP " + s3e.statusCode() + (code == null ? "" : " " + code);
        }
        return describe(cause);
    }

    private static Optional<String> date(SdkHttpResponse response) {
        return response == null ? Optional.empty() : response.firstMatchingHeader("Date");
    }

    private static String describe(Throwable failure) {
        if (failure instanceof TimeoutException || failure instanceof ApiCallTimeoutException
                || failure instanceof io.smallrye.mutiny.TimeoutException) {
            return "no answer in time";
        }
        String message = failure.getMessage();
        if (message != null && message.length() > 200) {
            message = message.substring(0, 200) + "…";
        }
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /**
     * Runs one SDK call and resumes on the Vert.x context of the subscriber (the SDK completes
     * its futures on its own threads, where the reactive Hibernate session must not be used).
     */
    private <T> Uni<T> call(String operation, Supplier<CompletableFuture<T>> request) {
        return Uni.createFrom().deferred(() -> {
            Context context = Vertx.currentContext();
            Uni<T> result = Uni.createFrom().completionStage(() -> {
                try {
                    return request.get();
                } catch (RuntimeException e) {
                    return CompletableFuture.failedFuture(e);
                }
            });
            result = result.ifNoItem().after(bound).failWith(() -> new StorageException.Unavailable(
                    operation + " got no answer within " + bound.toSeconds() + " s", null));
            if (context != null) {
                result = result.emitOn(task -> context.runOnContext(ignored -> task.run()));
            }
            return result.onFailure().transform(failure -> translate(operation, failure));
        });
    }

    /**
     * S3's answer in the gateway's terms: what the upload's state explains (NoSuchUpload, parts
     * refused), what retrying will not change ({@link StorageException.Refused}), and everything
     * else (5xx, throttling, timeouts, unreachable) as an outage worth retrying.
     */
    static Throwable translate(String operation, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof StorageException) {
            return cause;
        }
        if (cause instanceof S3Exception s3) {
            String code = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
            String detail = s3.awsErrorDetails() == null ? s3.getMessage() : s3.awsErrorDetails().errorMessage();
            if ("NoSuchUpload".equals(code)) {
                return new StorageException.NoSuchUpload(operation + ": S3 has no such multipart upload", s3);
            }
            if ("InvalidPart".equals(code) || "InvalidPartOrder".equals(code) || "EntityTooSmall".equals(code)) {
                return new StorageException.PartsRejected(code, detail, s3);
            }
            if (s3.statusCode() == 404 && operation.equals("HeadObject")) {
                return new NotFound();
            }
            if (s3.statusCode() == 412 || "PreconditionFailed".equals(code)) {
                return new StorageException.Changed(operation + ": the object changed since it was looked at", s3);
            }
            StorageException.Refused.Kind kind = "EntityTooLarge".equals(code) ? StorageException.Refused.Kind.TOO_LARGE
                    : INVALID.contains(code) ? StorageException.Refused.Kind.INVALID
                    : DENIED.contains(code) ? StorageException.Refused.Kind.DENIED : null;
            if (kind != null) {
                LOG.errorf("%s refused by S3: HTTP %d %s %s", operation, s3.statusCode(), code, detail);
                return new StorageException.Refused(kind, code, operation + " refused by storage: " + code, s3);
            }
            LOG.warnf("%s failed: HTTP %d %s %s", operation, s3.statusCode(), code, detail);
            return new StorageException.Unavailable(operation + " failed with HTTP " + s3.statusCode()
                    + (code == null ? "" : " " + code), s3);
        }
        if (cause instanceof SdkException sdk) {
            LOG.warnf("%s failed: %s", operation, sdk.getMessage());
            return new StorageException.Unavailable(operation + " could not reach object storage in time", sdk);
        }
        return cause;
    }

    /** HeadObject's 404, handled inside this class. */
    private static final class NotFound extends RuntimeException {
        NotFound() {
            super(null, null, false, false);
        }
    }
}
