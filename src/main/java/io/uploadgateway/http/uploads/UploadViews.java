package io.uploadgateway.http.uploads;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.uploadgateway.upload.StepOutcome;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadPart;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.UploadWithParts;
import io.uploadgateway.upload.sign.PartRequests;
import io.uploadgateway.upload.sign.PartSigner.SignedPart;
import io.uploadgateway.upload.sign.LeaseParts;
import io.uploadgateway.upload.sign.SignedUrl;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the native API (docs/api.md). */
public final class UploadViews {

    private UploadViews() {
    }

    public record CreateUploadRequest(String filename, Long size, String contentType, Long partSize,
                                      Map<String, String> metadata, Boolean autoComplete, String checksumAlgorithm) {
    }

    /** {@code partNumbers}, or {@code parts} with each part's digests (not both). */
    public record PresignRequest(List<Integer> partNumbers, List<PartDigests> parts, Long expiresInSeconds) {
    }

    /**
     * A part to sign with the digests of its bytes: {@code contentMd5} is the base64 of its MD5
     * (signed as Content-MD5), {@code checksum} the base64 of its checksum of the upload's
     * {@code checksumAlgorithm} (signed as x-amz-checksum-*).
     */
    public record PartDigests(Integer partNumber, String contentMd5, String checksum) {
        static List<PartRequests.Entry> entries(List<PartDigests> parts) {
            return parts == null ? null : parts.stream()
                    .map(p -> p == null ? null : new PartRequests.Entry(p.partNumber(), p.contentMd5(), p.checksum())).toList();
        }
    }

    public record RecordPartRequest(String etag) {
    }

    public record PartView(int partNumber, long size, String etag, Instant uploadedAt) {
        static PartView of(UploadPart part) {
            return new PartView(part.partNumber, part.size, part.etag, part.uploadedAt);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record UploadView(String id, String kind, String state, String filename, String contentType, Long size, Long partSize,
                             Integer partCount, String key, Map<String, String> metadata, Instant createdAt,
                             Instant updatedAt, Instant expiresAt, Instant completedAt, long bytesUploaded,
                             int partsUploaded, List<PartView> parts, List<Integer> missingParts, String etag,
                             String location, String detectedContentType, boolean autoComplete, Instant nextCheckAt,
                             String checksumAlgorithm, Instant partsPrunedAt, List<StepOutcome> processing,
                             String quarantineReason) {

        static UploadView of(UploadWithParts full, String bucket) {
            Upload u = full.upload();
            return new UploadView(u.id.toString(), u.kind.name(), u.state.name(), u.filename, u.contentType, u.size, u.partSize,
                    u.partCount, u.key, u.metadata, u.createdAt, u.updatedAt, u.expiresAt, u.completedAt,
                    u.bytesUploaded, u.partsUploaded, full.parts().stream().map(PartView::of).toList(),
                    full.missingParts(), u.etag, location(u, bucket), u.detectedContentType, u.autoComplete, nextCheckOf(u),
                    checksumOf(u), u.partsPrunedAt, u.outcomes(), u.quarantineReason);
        }

        /** A listing item: the upload without its parts. */
        static UploadView summary(Upload u, String bucket) {
            return new UploadView(u.id.toString(), u.kind.name(), u.state.name(), u.filename, u.contentType, u.size, u.partSize,
                    u.partCount, u.key, u.metadata, u.createdAt, u.updatedAt, u.expiresAt, u.completedAt,
                    u.bytesUploaded, u.partsUploaded, null, null, u.etag, location(u, bucket), u.detectedContentType,
                    u.autoComplete, nextCheckOf(u), checksumOf(u), u.partsPrunedAt, u.outcomes(), u.quarantineReason);
        }

        /** When the gateway next looks whether an auto-complete upload is complete (the processing stage's times are its own). */
        private static Instant nextCheckOf(Upload u) {
            return u.state == UploadState.UPLOADING ? u.nextCheckAt : null;
        }

        private static String checksumOf(Upload u) {
            return u.checksumAlgorithm == null ? null : u.checksumAlgorithm.name();
        }

        private static String location(Upload u, String bucket) {
            return u.state == UploadState.COMPLETED ? "s3://" + bucket + "/" + u.key : null;
        }
    }

    public record PresignedUrl(int partNumber, String method, String url, Map<String, String> headers, Instant expiresAt) {
    }

    public record PresignResponse(List<PresignedUrl> urls) {
        static PresignResponse of(List<SignedPart> parts) {
            return new PresignResponse(parts.stream().map(p -> new PresignedUrl(p.partNumber(), p.url().method(),
                    p.url().url(), p.url().headers(), p.url().expiresAt())).toList());
        }
    }

    public record DownloadResponse(String url, Instant expiresAt) {
        static DownloadResponse of(SignedUrl signed) {
            return new DownloadResponse(signed.url(), signed.expiresAt());
        }
    }

    public record UploadPage(List<UploadView> items, String nextCursor) {
    }

    public record LeaseRequest(Long expiresInSeconds, List<Integer> partNumbers, List<PartDigests> parts, Boolean sync,
                               String cursor) {
    }

    public record LeasedPart(int partNumber, Long offset, Long length, String method, String url, Map<String, String> headers,
                             Instant expiresAt) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LeaseResponse(Instant expiresAt, String cappedBy, List<LeasedPart> parts, String nextCursor) {
        static LeaseResponse of(LeaseParts.Lease lease) {
            return new LeaseResponse(lease.expiresAt(), lease.cappedBy() == null ? null : lease.cappedBy().word(),
                    lease.parts().stream().map(p -> new LeasedPart(p.partNumber(), p.offset(), p.length(), p.url().method(),
                            p.url().url(), p.url().headers(), p.url().expiresAt())).toList(),
                    lease.nextAfter() == null ? null : String.valueOf(lease.nextAfter()));
        }
    }

    public record NudgeResponse(Instant nextCheckAt) {
    }
}
