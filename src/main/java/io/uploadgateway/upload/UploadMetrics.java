package io.uploadgateway.upload;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The uploads' meters for operators (Prometheus at /q/metrics): lifecycle counters, and the
 * stalled uploads as last counted (by each janitor sweep and each stats call: a gauge must not
 * query the database on the scrape thread). Created at startup, so every {@code gateway_uploads_*}
 * series exists from the start, at zero (a series that appears only after its first event breaks
 * {@code rate()} and absence alerts).
 */
@Startup
@ApplicationScoped
public class UploadMetrics {

    private final Counter started;
    private final Counter completed;
    private final Counter aborted;
    private final Counter expired;
    private final Counter rejected;
    private final Counter bytesCompleted;
    private final Counter partsPresigned;
    private final AtomicLong stalled = new AtomicLong();
    private final Gauge stalledGauge;
    private final MeterRegistry registry;

    public UploadMetrics(MeterRegistry registry) {
        this.registry = registry;
        started = Counter.builder("gateway.uploads.started").description("Uploads started").register(registry);
        completed = Counter.builder("gateway.uploads.completed").description("Uploads completed").register(registry);
        aborted = Counter.builder("gateway.uploads.aborted").description("Uploads aborted by clients or operators, or refused by the gateway over their limits").register(registry);
        expired = Counter.builder("gateway.uploads.expired").description("Uploads expired by the janitor").register(registry);
        rejected = Counter.builder("gateway.uploads.rejected")
                .description("Uploads whose bytes did not match their declared type (object deleted)").register(registry);
        bytesCompleted = Counter.builder("gateway.bytes.completed").baseUnit("bytes")
                .description("Bytes in completed uploads").register(registry);
        partsPresigned = Counter.builder("gateway.parts.presigned").description("Part URLs presigned").register(registry);
        stalledGauge = Gauge.builder("gateway.uploads.stalled", stalled, AtomicLong::get)
                .description("UPLOADING uploads idle longer than gateway.stalled-after, as of the last count")
                .register(registry);
    }

    /**
     * A gauge reads this bean, so it goes with it. (Micrometer keeps the first gauge registered
     * under a name and ignores later ones: an application restarted in the same JVM, as tests and
     * live reload do, would otherwise export the dead bean's value, or nothing once it is collected.)
     */
    @PreDestroy
    void unregister() {
        registry.remove(stalledGauge);
    }

    /** The stalled uploads just counted. */
    public void stalled(long count) {
        stalled.set(count);
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
