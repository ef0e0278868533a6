package io.uploadgateway.events.delivery;

import io.uploadgateway.config.EventsConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.events.EventStatus;
import io.uploadgateway.events.ledger.EventLedger;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;

/**
 * Keeps the outbox small: delivered events go {@code gateway.events.retention} after delivery,
 * never-sent ({@code skipped}) ones that long after they were written, dead ones after
 * {@code dead-retention}. Pending events are never pruned. Short batched deletes that skip rows
 * another replica is pruning, so every replica may run it.
 */
@ApplicationScoped
public class Retention {

    private static final Logger LOG = Logger.getLogger(Retention.class);
    static final int BATCH = 1000;

    private final EventLedger ledger;
    private final EventsConfig config;
    private final Clock clock;

    public Retention(EventLedger ledger, GatewayConfig config, Clock clock) {
        this.ledger = ledger;
        this.config = config.events();
        this.clock = clock;
    }

    @Scheduled(identity = "event-retention", every = "${gateway.events.prune-interval}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return prune().invoke(pruned -> {
                    if (pruned > 0) {
                        LOG.infof("pruned %d upload event(s) past their retention", pruned);
                    }
                })
                .onFailure().invoke(failure -> LOG.warnf("event retention failed, will retry next interval: %s", failure.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Deletes every event past its retention; answers how many. */
    public Uni<Integer> prune() {
        Instant now = clock.instant();
        return drain(EventStatus.DELIVERED, now.minus(config.retention()), 0)
                .flatMap(delivered -> drain(EventStatus.SKIPPED, now.minus(config.retention()), delivered))
                .flatMap(sofar -> drain(EventStatus.DEAD, now.minus(config.deadRetention()), sofar));
    }

    private Uni<Integer> drain(EventStatus status, Instant cutoff, int sofar) {
        return ledger.prune(status, cutoff, BATCH).flatMap(deleted -> deleted < BATCH
                ? Uni.createFrom().item(sofar + deleted)
                : drain(status, cutoff, sofar + deleted));
    }
}
