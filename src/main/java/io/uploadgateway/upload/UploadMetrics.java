package io.uploadgateway.upload;

import io.micrometer.core.instrument.Counter;
import io.uploadgateway.config.GatewayConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

    private final Map<String, Counters> byStore = new ConcurrentHashMap<>();
    private final AtomicLong stalled = new AtomicLong();
    private final Gauge stalledGauge;
    private final MeterRegistry registry;

    /** The counters of one store (tag {@code store}): every configured store's exist from startup. */
    private record Counters(Counter started, Counter completed, Counter aborted, Counter expired, Counter rejected,
                            Counter quarantined, Counter bytesCompleted, Counter partsPresigned) {

        static Counters of(MeterRegistry registry, String store) {
            return new Counters(
                    counter(registry, "gateway.uploads.started", "Uploads started", store),
                    counter(registry, "gateway.uploads.completed", "Uploads completed", store),
                    counter(registry, "gateway.uploads.aborted",
                            "Uploads aborted by clients or operators, or refused by the gateway over their limits", store),
                    counter(registry, "gateway.uploads.expired", "Uploads expired by the janitor", store),
                    counter(registry, "gateway.uploads.rejected",
                            "Uploads whose bytes did not match their declared type (object deleted)", store),
                    counter(registry, "gateway.uploads.quarantined", "Uploads a processing step failed (not served)", store),
                    Counter.builder("gateway.bytes.completed").baseUnit("bytes").description("Bytes in completed uploads")
                            .tag("store", store).register(registry),
                    counter(registry, "gateway.parts.presigned", "Part URLs presigned", store));
        }

        private static Counter counter(MeterRegistry registry, String name, String description, String store) {
            return Counter.builder(name).description(description).tag("store", store).register(registry);
        }
    }

    public UploadMetrics(MeterRegistry registry, GatewayConfig config) {
        this.registry = registry;
        byStore.put(GatewayConfig.DEFAULT_STORE, Counters.of(registry, GatewayConfig.DEFAULT_STORE));
        config.stores().keySet().forEach(store -> byStore.computeIfAbsent(store, name -> Counters.of(registry, name)));
        stalledGauge = Gauge.builder("gateway.uploads.stalled", stalled, AtomicLong::get)
                .description("UPLOADING uploads idle longer than gateway.stalled-after, as of the last count")
                .register(registry);
    }

    private Counters of(String store) {
        return byStore.computeIfAbsent(store, name -> Counters.of(registry, name));
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
        of(upload.store).started().increment();
    }

    /**
     * An upload reached its final state, or the processing stage (counted once the change
     * committed): a PROCESSING upload counts when its steps settle it.
     */
    public void ended(Upload upload) {
        Counters counters = of(upload.store);
        switch (upload.state) {
            case PROCESSING -> {
            }
            case QUARANTINED -> counters.quarantined().increment();
            case COMPLETED -> {
                counters.completed().increment();
                counters.bytesCompleted().increment(upload.size);
            }
            case REJECTED -> counters.rejected().increment();
            case EXPIRED -> counters.expired().increment();
            case ABORTED -> counters.aborted().increment();
            default -> throw new IllegalStateException("upload " + upload.id + " has not ended: " + upload.state);
        }
    }

    public void presigned(String store, int count) {
        of(store).partsPresigned().increment(count);
    }
}
