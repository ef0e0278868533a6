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
        started = Counter.builder("gateway.uploads.started").description("Uploads started").register(registry);
        completed = Counter.builder("gateway.uploads.completed").description("Uploads completed").register(registry);
        aborted = Counter.builder("gateway.uploads.aborted").description("Uploads aborted by clients or operators, or refused by the gateway over their limits").register(registry);
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

    /** An upload reached its final state (counted once its ending committed). */
    public void ended(Upload upload) {
        switch (upload.state) {
            case COMPLETED -> {
                completed.increment();
                bytesCompleted.increment(upload.size);
            }
            case REJECTED -> rejected.increment();
            case EXPIRED -> expired.increment();
            case ABORTED -> aborted.increment();
            default -> throw new IllegalStateException("upload " + upload.id + " has not ended: " + upload.state);
        }
    }

    public void presigned(int count) {
        partsPresigned.increment(count);
    }
}
