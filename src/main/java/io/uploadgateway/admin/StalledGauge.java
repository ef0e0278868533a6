package io.uploadgateway.admin;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Number of stalled uploads as last counted (by each janitor sweep and each stats call):
 * a gauge must not query the database on the scrape thread.
 */
@ApplicationScoped
public class StalledGauge {

    private final AtomicLong stalled = new AtomicLong();
    private final MeterRegistry registry;
    private final Gauge gauge;

    public StalledGauge(MeterRegistry registry) {
        this.registry = registry;
        this.gauge = Gauge.builder("gateway.uploads.stalled", stalled, AtomicLong::get)
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
        registry.remove(gauge);
    }

    void set(long count) {
        stalled.set(count);
    }
}
