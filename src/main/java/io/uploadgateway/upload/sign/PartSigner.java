package io.uploadgateway.upload.sign;

import io.uploadgateway.storage.UrlSigner.PartToSign;
import io.uploadgateway.storage.presign.ChecksumAlgorithm;
import io.uploadgateway.storage.presign.SigV4Presigner;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.sign.PartRequests.Asked;
import io.uploadgateway.upload.sign.SigningWindow.Grant;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/**
 * Presigned UploadPart URLs for parts of one upload, each signed for exactly its planned length.
 * A microsecond or two per URL (docs/benchmarks.md): done right on the event loop, even for a
 * batch of 1,000.
 */
@ApplicationScoped
public class PartSigner {

    private final UploadMetrics metrics;

    public PartSigner(UploadMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * One part's URL, with where its bytes lie in the file; offset and length are null for an
     * open-sized upload, whose URLs sign no Content-Length (S3 bounds a part at 5 GiB).
     */
    public record SignedPart(int partNumber, Long offset, Long length, SignedUrl url) {
    }

    /**
     * Signs each part for its planned length (none for an open-sized upload) and for the digests
     * asked (Content-MD5, and the upload's additional checksum as {@code x-amz-checksum-*}); the
     * URL's headers then name them. Nothing else is ever signed: a part asked for without digests
     * gets a URL without any.
     */
    public List<SignedPart> sign(String store, String key, String s3UploadId, PartPlan plan, List<Asked> asked,
                                 ChecksumAlgorithm algorithm, Grant grant) {
        List<PartToSign> parts = new ArrayList<>(asked.size());
        for (Asked part : asked) {
            int n = part.partNumber();
            long length = plan.isOpen() ? SigV4Presigner.UNSIGNED_CONTENT_LENGTH : plan.sizeOf(n);
            parts.add(part.contentMd5() == null && part.checksum() == null ? new PartToSign(n, length, null, null, null)
                    : new PartToSign(n, length, part.contentMd5(), part.checksum() == null ? null : algorithm, part.checksum()));
        }
        var urls = grant.signing().uploadParts(key, s3UploadId, parts, grant.lifetime());
        List<SignedPart> signed = new ArrayList<>(asked.size());
        for (int i = 0; i < asked.size(); i++) {
            int n = asked.get(i).partNumber();
            signed.add(plan.isOpen()
                    ? new SignedPart(n, null, null, SignedUrl.of(urls.get(i)))
                    : new SignedPart(n, (n - 1) * plan.partSize(), plan.sizeOf(n), SignedUrl.of(urls.get(i))));
        }
        metrics.presigned(store, signed.size());
        return signed;
    }
}
