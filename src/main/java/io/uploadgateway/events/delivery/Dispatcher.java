package io.uploadgateway.events.delivery;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.events.EventMetrics;
import io.uploadgateway.events.EventsWritten;
import io.uploadgateway.events.RetryPolicy;
import io.uploadgateway.events.StoredEvent;
import io.uploadgateway.events.WebhookSettings;
import io.uploadgateway.events.ledger.EventLedger;
import io.uploadgateway.outbound.SignedPost;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends pending events to the webhook receiver, on every replica, all on one Vert.x event-loop
 * context of its own (never blocking it):
 * <ol>
 *   <li>claims due events with one statement ({@code FOR UPDATE SKIP LOCKED}, a lease committed at
 *       once: no transaction or connection is held while the receiver answers), at most as many as
 *       it has free delivery slots ({@code gateway.webhook.concurrency});</li>
 *   <li>POSTs each (Standard Webhooks signature, hard deadline {@code gateway.webhook.timeout});</li>
 *   <li>records the outcome with a single update that must still find its lease: delivered, retry
 *       later (exponential backoff with jitter), or dead past the max age.</li>
 * </ol>
 * Only the oldest pending event of a subject is ever claimable, so one subject's events arrive in
 * order. A lease outlives an attempt's deadline, so no two replicas send an event at once; a
 * crashed replica's lease runs out and another retakes the event (delivery is at least once:
 * receivers deduplicate on {@code webhook-id}). Idle, it looks every {@code poll-interval}; a
 * commit that wrote events on this replica wakes it at once.
 */
@ApplicationScoped
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);
    private static final int MAX_ANSWER_BYTES = 4096;
    private static final Duration BACKLOG_REFRESH = Duration.ofSeconds(15);
    private static final Duration QUIET_LOGS = Duration.ofMinutes(1);

    private final WebhookSettings settings;
    private final EventLedger ledger;
    private final EventMetrics metrics;
    private final Clock clock;
    private final Vertx vertx;
    private final RetryPolicy retry;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Events this replica is sending: never sent twice at once here, even if the clock jumps past a lease. */
    private final Set<Long> sending = new HashSet<>();

    private SignedPost http;
    private byte[] key;
    private Context context;
    private volatile boolean stopped;
    private boolean polling;
    private boolean pollAgain;
    private long idleTimer = -1;
    private Instant lastBacklog = Instant.EPOCH;
    private Instant lastFailureLog = Instant.EPOCH;

    public Dispatcher(WebhookSettings settings, EventLedger ledger, EventMetrics metrics, Clock clock, Vertx vertx) {
        this.settings = settings;
        this.ledger = ledger;
        this.metrics = metrics;
        this.clock = clock;
        this.vertx = vertx;
        this.retry = settings.retry();
    }

    void start(@Observes StartupEvent event) {
        if (!settings.enabled()) {
            return;
        }
        key = settings.key();
        http = new SignedPost(vertx, clock, "upload-gateway-webhooks", settings.concurrency());
        context = vertx.getOrCreateContext();
        LOG.infof("webhooks on: delivering events to %s (%d at a time)", SignedPost.shown(settings.url()), settings.concurrency());
        context.runOnContext(ignored -> poll());
    }

    /** SIGTERM: claim nothing more, and give the deliveries in flight up to one attempt's deadline to finish. */
    void stop(@Observes ShutdownEvent event) {
        if (context == null) {
            return;
        }
        stopped = true;
        long deadline = System.nanoTime() + settings.timeout().plusSeconds(2).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(50); // the shutdown thread, never an event loop
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        http.close();
    }

    /** A transaction on this replica committed events: look now instead of at the next poll. */
    void wake(@Observes EventsWritten written) {
        if (context != null && !stopped) {
            context.runOnContext(ignored -> poll());
        }
    }

    /** On the dispatcher's context only. */
    private void poll() {
        if (stopped) {
            return;
        }
        if (polling) {
            pollAgain = true;
            return;
        }
        int free = settings.concurrency() - inFlight.get();
        if (free <= 0) {
            return; // a delivery that finishes polls again
        }
        polling = true;
        pollAgain = false;
        cancelIdleTimer();
        Instant now = now();
        UUID holder = UUID.randomUUID();
        onContext(ledger.claim(holder, now, now.plus(settings.lease()), free)).subscribe().with(claimed -> {
            polling = false;
            for (StoredEvent event : claimed) {
                send(event, holder);
            }
            refreshBacklog(now);
            if (claimed.size() == free || pollAgain) {
                poll();
            } else {
                idle();
            }
        }, failure -> {
            polling = false;
            quietWarn("could not claim events to deliver (retrying every " + settings.pollInterval() + "): " + failure);
            idle();
        });
    }

    private void send(StoredEvent event, UUID holder) {
        if (!sending.add(event.seq())) {
            return; // still being sent by this replica; its lease is simply refreshed
        }
        inFlight.incrementAndGet();
        onContext(http.post(settings.url(), key, event.id().toString(), event.payload(), settings.timeout(), MAX_ANSWER_BYTES)
                .map(Outcome::of)
                .onFailure().recoverWithItem(Outcome::failed)
                .flatMap(outcome -> record(event, holder, outcome)))
                .subscribe().with(ignored -> finished(event), failure -> {
                    quietWarn("could not record the delivery of event " + event.id() + " (it will be retried after its lease): "
                            + failure);
                    finished(event);
                });
    }

    private void finished(StoredEvent event) {
        sending.remove(event.seq());
        inFlight.decrementAndGet();
        poll(); // the next event of the same subject may be due now
    }

    /** What one attempt came to: an HTTP status (null without an answer) and, unless 2xx, why it failed. */
    record Outcome(Integer status, String error) {

        static Outcome of(SignedPost.Answer answer) {
            return answer.ok() ? new Outcome(answer.status(), null)
                    : new Outcome(answer.status(), "HTTP " + answer.status() + (answer.body() == null || answer.body().isBlank()
                    ? "" : ": " + answer.body().strip().replaceAll("\\p{Cntrl}+", " ")));
        }

        static Outcome failed(Throwable failure) {
            return new Outcome(null, failure instanceof SignedPost.DeadlineExceeded ? "timeout: " + failure.getMessage()
                    : failure.getClass().getSimpleName() + ": " + failure.getMessage());
        }

        boolean delivered() {
            return error == null;
        }
    }

    private Uni<Boolean> record(StoredEvent event, UUID holder, Outcome outcome) {
        Instant now = now();
        if (outcome.delivered()) {
            return ledger.delivered(event.seq(), holder, now, outcome.status()).invoke(recorded -> {
                if (recorded) {
                    metrics.delivered(Duration.between(event.pendingSince(), now));
                }
            });
        }
        metrics.failedAttempt();
        Instant next = retry.nextAttempt(event.attempts() + 1, now, event.pendingSince(), ThreadLocalRandom.current().nextDouble());
        if (next == null) {
            LOG.warnf("event %s (%s about %s) is dead: not delivered within %s; last failure: %s", event.id(), event.type(),
                    event.subject(), retry.maxAge(), outcome.error());
            return ledger.dead(event.seq(), holder, now, outcome.status(), outcome.error()).invoke(recorded -> {
                if (recorded) {
                    metrics.dead();
                }
            });
        }
        LOG.debugf("event %s: attempt %d failed (%s); next at %s", event.id(), event.attempts() + 1, outcome.error(), next);
        return ledger.retryLater(event.seq(), holder, now, outcome.status(), outcome.error(), next);
    }

    private void refreshBacklog(Instant now) {
        if (Duration.between(lastBacklog, now).compareTo(BACKLOG_REFRESH) < 0 && !lastBacklog.isAfter(now)) {
            return;
        }
        lastBacklog = now;
        ledger.backlog().subscribe().with(metrics::backlog, failure -> LOG.debugf("could not count the backlog: %s", failure));
    }

    private void idle() {
        if (stopped || idleTimer != -1) {
            return;
        }
        idleTimer = vertx.setTimer(Math.max(10, settings.pollInterval().toMillis()), id -> {
            idleTimer = -1;
            poll();
        });
    }

    private void cancelIdleTimer() {
        if (idleTimer != -1) {
            vertx.cancelTimer(idleTimer);
            idleTimer = -1;
        }
    }

    /** Resumes on the dispatcher's context, whatever thread the database or HTTP client answered on. */
    private <T> Uni<T> onContext(Uni<T> uni) {
        return uni.emitOn(task -> {
            if (Vertx.currentContext() == context) {
                task.run();
            } else {
                context.runOnContext(ignored -> task.run());
            }
        });
    }

    private void quietWarn(String message) {
        Instant now = Instant.now();
        if (Duration.between(lastFailureLog, now).compareTo(QUIET_LOGS) >= 0) {
            lastFailureLog = now;
            LOG.warn(message);
        } else {
            LOG.debug(message);
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
