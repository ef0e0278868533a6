package io.uploadgateway.admin;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Number of stalled uploads as last counted (by each janitor sweep and each stats call):
 * a gauge must not query the database on the scrape thread.
 */
@ApplicationScoped
public class StalledGauge {

    private final AtomicLong stalled = new AtomicLong();

    public StalledGauge(MeterRegistry registry) {
        Gauge.builder("gateway.uploads.stalled", stalled, AtomicLong::get)
                .description("UPLOADING uploads idle longer than gateway.stalled-after, as of the last count")
                .register(registry);
    }

    void set(long count) {
        stalled.set(count);
    }
}
