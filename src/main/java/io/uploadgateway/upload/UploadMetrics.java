package io.uploadgateway.upload;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/** Lifecycle counters for operators (Prometheus at /q/metrics). */
@ApplicationScoped
public class UploadMetrics {

    private final Counter started;
    private final Counter completed;
    private final Counter aborted;
    private final Counter expired;
    private final Counter rejected;
    private final Counter bytesCompleted;
    private final Counter partsPresigned;

    public UploadMetrics(MeterRegistry registry) {
        started = Counter.builder("gateway.uploads.started").description("Multipart uploads started").register(registry);
        completed = Counter.builder("gateway.uploads.completed").description("Uploads completed").register(registry);
        aborted = Counter.builder("gateway.uploads.aborted").description("Uploads aborted by clients or admins").register(registry);
        expired = Counter.builder("gateway.uploads.expired").description("Uploads expired by the janitor").register(registry);
        rejected = Counter.builder("gateway.uploads.rejected")
                .description("Uploads whose bytes did not match their declared type (object deleted)").register(registry);
        bytesCompleted = Counter.builder("gateway.bytes.completed").baseUnit("bytes")
                .description("Bytes in completed uploads").register(registry);
        partsPresigned = Counter.builder("gateway.parts.presigned").description("Part URLs presigned").register(registry);
    }

    public void started(Upload upload) {
        started.increment();
    }

    public void completed(Upload upload) {
        completed.increment();
        bytesCompleted.increment(upload.size == null ? upload.bytesUploaded : upload.size);
    }

    public void aborted(Upload upload) {
        aborted.increment();
    }

    public void expired(Upload upload) {
        expired.increment();
    }

    public void rejected(Upload upload) {
        rejected.increment();
    }

    public void presigned(int count) {
        partsPresigned.increment(count);
    }
}
