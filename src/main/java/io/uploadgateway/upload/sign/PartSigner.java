package io.uploadgateway.upload.sign;

import io.uploadgateway.storage.UrlSigner.PartToSign;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.UploadMetrics;
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

    public List<SignedPart> sign(String key, String s3UploadId, PartPlan plan, List<Integer> numbers, Grant grant) {
        List<PartToSign> parts = new ArrayList<>(numbers.size());
        for (int n : numbers) {
            parts.add(plan.isOpen() ? PartToSign.unsized(n) : PartToSign.of(n, plan.sizeOf(n)));
        }
        var urls = grant.signing().uploadParts(key, s3UploadId, parts, grant.lifetime());
        List<SignedPart> signed = new ArrayList<>(numbers.size());
        for (int i = 0; i < numbers.size(); i++) {
            int n = numbers.get(i);
            signed.add(plan.isOpen()
                    ? new SignedPart(n, null, null, SignedUrl.of(urls.get(i)))
                    : new SignedPart(n, (n - 1) * plan.partSize(), plan.sizeOf(n), SignedUrl.of(urls.get(i))));
        }
        metrics.presigned(signed.size());
        return signed;
    }
}
