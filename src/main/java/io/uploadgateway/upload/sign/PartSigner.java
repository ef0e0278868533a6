package io.uploadgateway.upload.sign;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.reactive.Worker;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.UploadMetrics;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Presigned UploadPart URLs for parts of one upload, each signed for exactly its planned length. */
@ApplicationScoped
public class PartSigner {

    private final MultipartStorage storage;
    private final UploadMetrics metrics;

    public PartSigner(MultipartStorage storage, UploadMetrics metrics) {
        this.storage = storage;
        this.metrics = metrics;
    }

    /** One part's URL, with where its bytes lie in the file. */
    public record SignedPart(int partNumber, long offset, long length, SignedUrl url) {
    }

    /** CPU only (no S3 round trip), on a worker thread so a large batch never stalls the event loop; resumes on the caller's context. */
    public Uni<List<SignedPart>> sign(String key, String s3UploadId, PartPlan plan, List<Integer> numbers, Duration lifetime) {
        return Worker.run(() -> {
            List<SignedPart> urls = new ArrayList<>(numbers.size());
            for (int n : numbers) {
                long length = plan.sizeOf(n);
                urls.add(new SignedPart(n, (n - 1) * plan.partSize(), length,
                        SignedUrl.of(storage.presignUploadPart(key, s3UploadId, n, length, lifetime))));
            }
            metrics.presigned(urls.size());
            return urls;
        });
    }
}
