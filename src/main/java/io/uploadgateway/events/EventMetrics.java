package io.uploadgateway.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Webhook delivery for operators (Prometheus): deliveries, failed attempts, dead events, delivery
 * latency (event written to receiver's 2xx), and the backlog as last counted — a gauge never
 * queries the database on the scrape thread.
 */
@ApplicationScoped
public class EventMetrics {

    private final Counter delivered;
    private final Counter failedAttempts;
    private final Counter dead;
    private final Timer latency;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicReference<Instant> oldestPendingSince = new AtomicReference<>();
    private final Clock clock;
    private final MeterRegistry registry;
    private final Gauge pendingGauge;
    private final Gauge oldestGauge;

    public EventMetrics(MeterRegistry registry, Clock clock) {
        this.clock = clock;
        this.registry = registry;
        delivered = Counter.builder("gateway.webhook.delivered").description("Events the webhook receiver accepted (2xx)")
                .register(registry);
        failedAttempts = Counter.builder("gateway.webhook.failed.attempts")
                .description("Delivery attempts that failed (non-2xx, timeout, connection refused)").register(registry);
        dead = Counter.builder("gateway.webhook.dead").description("Events given up after the max age").register(registry);
        latency = Timer.builder("gateway.webhook.delivery.latency")
                .description("From the event's commit (or redelivery) to the receiver's 2xx, retries included")
                .publishPercentileHistogram(false).register(registry);
        pendingGauge = Gauge.builder("gateway.events.pending", pending, AtomicLong::get)
                .description("Events waiting for webhook delivery, as last counted").register(registry);
        oldestGauge = Gauge.builder("gateway.events.oldest.pending.age.seconds", this, EventMetrics::oldestPendingAgeSeconds)
                .description("Age of the oldest event waiting for webhook delivery, as last counted").register(registry);
    }

    /**
     * A gauge reads this bean, so it goes with it. (Micrometer keeps the first gauge registered
     * under a name and ignores later ones: an application restarted in the same JVM, as tests and
     * live reload do, would otherwise export the dead bean's value, or nothing once it is collected.)
     */
    @PreDestroy
    void unregister() {
        registry.remove(pendingGauge);
        registry.remove(oldestGauge);
    }

    public void delivered(Duration sincePending) {
        delivered.increment();
        latency.record(sincePending.isNegative() ? Duration.ZERO : sincePending);
    }

    public void failedAttempt() {
        failedAttempts.increment();
    }

    public void dead() {
        dead.increment();
    }

    public void backlog(Backlog backlog) {
        pending.set(backlog.pending());
        oldestPendingSince.set(backlog.oldestPendingSince());
    }

    double oldestPendingAgeSeconds() {
        Instant since = oldestPendingSince.get();
        return since == null ? 0 : Math.max(0, Duration.between(since, clock.instant()).toMillis() / 1000.0);
    }
}
