package io.uploadgateway.upload.process;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.config.ProcessingConfig;
import io.uploadgateway.outbound.Clamd;
import io.uploadgateway.outbound.SignedPost;
import io.uploadgateway.outbound.StandardWebhooks;
import io.uploadgateway.reactive.OwnContext;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.StepOutcome;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.events.UploadEvents;
import io.uploadgateway.upload.finish.Finisher;
import io.uploadgateway.upload.ledger.ClaimLost;
import io.uploadgateway.upload.ledger.OperatorLedger;
import io.uploadgateway.upload.ledger.UploadLedger;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Runs the processing stage: every replica polls the ledger for PROCESSING uploads that are due
 * and takes a batch with a lease ({@code SKIP LOCKED}, in one short transaction), then runs their
 * steps in order with no connection held while a step waits. Each verdict is written as it comes
 * (through {@link Finisher#settle}, which must still find this runner's token), so a step that
 * gave its verdict never runs again for that upload, and a replica that dies mid-step leaves the
 * upload to whoever takes it once the lease ran out. All steps passed: COMPLETED (served, and
 * {@code upload.completed} sent). One failed: the object is taken out of its key ({@link
 * Quarantine}) and the upload is QUARANTINED. No verdict yet: tried again after a doubling back-off.
 */
@ApplicationScoped
public class ProcessingStage {

    private static final Logger LOG = Logger.getLogger(ProcessingStage.class);

    private final List<ProcessingStep> steps = new ArrayList<>();
    private final ScanStep scan;
    private final SignedPost webhookHttp;
    private final OperatorLedger operators;
    private final UploadLedger ledger;
    private final Finisher finisher;
    private final Quarantine quarantine;
    private final ProcessingMetrics metrics;
    private final ProcessingConfig config;
    private final Clock clock;

    public ProcessingStage(GatewayConfig gateway, Stores stores, Vertx vertx, UploadEvents events, ObjectMapper json,
                           OperatorLedger operators, UploadLedger ledger, Finisher finisher, Quarantine quarantine,
                           ProcessingMetrics metrics, Clock clock) {
        this.operators = operators;
        this.ledger = ledger;
        this.finisher = finisher;
        this.quarantine = quarantine;
        this.metrics = metrics;
        this.config = gateway.processing();
        this.clock = clock;
        String clamd = gateway.scan().clamd().map(String::strip).filter(a -> !a.isEmpty()).orElse(null);
        if (clamd != null) {
            String problem = Clamd.addressProblem(clamd);
            if (problem != null) {
                throw new IllegalStateException("GATEWAY_SCAN_CLAMD " + problem);
            }
            scan = new ScanStep(new Clamd(vertx, clamd, gateway.scan().callTimeout()), stores, gateway.scan(), metrics, clock);
            steps.add(scan);
            metrics.scannerConfigured();
        } else {
            scan = null;
        }
        String url = config.webhook().url().map(String::strip).filter(u -> !u.isEmpty()).orElse(null);
        if (url != null && SignedPost.urlProblem(url) == null) {
            webhookHttp = new SignedPost(vertx, clock, "upload-gateway-processing", 16);
            byte[] key = StandardWebhooks.key(config.webhook().secret().or(() -> gateway.webhook().secret()).orElseThrow().strip());
            steps.add(new WebhookStep(webhookHttp, url, key, config.webhook().timeout(), events, json, clock));
        } else if (url != null) {
            throw new IllegalStateException("GATEWAY_PROCESSING_WEBHOOK_URL " + SignedPost.urlProblem(url));
        } else {
            webhookHttp = null;
        }
        metrics.steps(steps.stream().map(ProcessingStep::name).toList());
    }

    void started(@Observes StartupEvent event) {
        if (steps.isEmpty()) {
            LOG.info("No processing steps (GATEWAY_SCAN_CLAMD and GATEWAY_PROCESSING_WEBHOOK_URL are unset): a completed upload"
                    + " is served at once, unscanned");
        } else {
            LOG.infof("Processing steps, in order: %s; a completed upload is served once they pass",
                    String.join(", ", steps.stream().map(ProcessingStep::describe).toList()));
        }
    }

    void close(@Observes ShutdownEvent event) {
        if (scan != null) {
            scan.close();
        }
        if (webhookHttp != null) {
            webhookHttp.close();
        }
    }

    /** The names of the configured steps, in the order they run. */
    public List<String> steps() {
        return steps.stream().map(ProcessingStep::name).toList();
    }

    @Scheduled(identity = "processing", every = "${gateway.processing.poll}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        if (steps.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return runDue()
                .onFailure().invoke(failure -> LOG.warnf("processing pass failed, the next poll retries: %s", failure.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    @Scheduled(identity = "scanner-ping", every = "30s", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> pingScanner() {
        if (scan == null) {
            return Uni.createFrom().voidItem();
        }
        return scan.ping()
                .onFailure().invoke(failure -> LOG.warnf("the scanner does not answer: %s", failure.getMessage()))
                .onFailure().recoverWithNull();
    }

    /**
     * One pass: takes the due uploads and runs their steps, {@code gateway.processing.concurrency}
     * at a time (each on its own context, so their writes never share a session); answers the ids
     * of the uploads it settled (COMPLETED or QUARANTINED).
     */
    public Uni<List<String>> runDue() {
        Instant now = now();
        UUID token = UUID.randomUUID();
        return ledger.transaction(() -> operators.takeDueProcessing(now, config.batchSize(), token, now.plus(config.lease())))
                .flatMap(taken -> Multi.createFrom().iterable(taken)
                        .onItem().transformToUni(upload -> OwnContext.run(() -> process(upload, token)))
                        .merge(config.concurrency())
                        .filter(settled -> settled != null)
                        .collect().asList());
    }

    /**
     * The upload's next step, or its ending; answers its id once settled, null while it waits. A
     * failure of this step (not of a later one, which handles its own) lets the upload go for the
     * back-off; a lost lease means another replica has it.
     */
    private Uni<String> process(Upload upload, UUID token) {
        StepOutcome failed = upload.outcomes() == null ? null
                : upload.outcomes().stream().filter(outcome -> !outcome.lets()).findFirst().orElse(null);
        ProcessingStep next = steps.stream().filter(step -> upload.outcomeOf(step.name()) == null).findFirst().orElse(null);
        String what = failed != null ? "its quarantine" : next == null ? "its ending" : "step " + next.name();
        Uni<String> work = failed != null ? quarantine(upload, token, failed)
                : next == null ? ready(upload, token)
                : judge(next, upload, token);
        return work
                .onFailure(failure -> !(failure instanceof ClaimLost)).recoverWithUni(failure -> later(upload, token, what, failure))
                .onFailure(ClaimLost.class).invoke(lost -> LOG.infof("upload %s was taken over by another replica", upload.id))
                .onFailure(ClaimLost.class).recoverWithNull();
    }

    /** The step's verdict, recorded (and counted once recorded), then whatever comes next. */
    private Uni<String> judge(ProcessingStep step, Upload upload, UUID token) {
        return step.judge(upload)
                .flatMap(outcome -> finisher.settle(upload.id, token, u -> {
                            if (u.outcomeOf(outcome.step()) == null) {
                                u.stepDone(outcome, now());
                            }
                        })
                        .invoke(() -> metrics.verdict(step.name(), outcome.verdict().name())))
                .flatMap(judged -> process(judged, token));
    }

    private Uni<String> ready(Upload upload, UUID token) {
        return finisher.settle(upload.id, token, u -> u.ready(now())).invoke(this::settled).map(ready -> ready.id.toString());
    }

    private Uni<String> quarantine(Upload upload, UUID token, StepOutcome failed) {
        String reason = failed.step() + ": " + failed.detail();
        return quarantine.takeAway(upload)
                .flatMap(kept -> finisher.settle(upload.id, token, u -> u.quarantine(reason, kept, now())))
                .invoke(quarantined -> LOG.warnf("upload %s quarantined (%s)", upload.id, reason))
                .invoke(this::settled)
                .map(quarantined -> quarantined.id.toString());
    }

    /** No verdict (or no ending) yet: the runner lets go, and the upload is due again after the back-off. */
    private Uni<String> later(Upload upload, UUID token, String what, Throwable why) {
        Duration pause = backoff(upload.processingAttempts);
        if (why instanceof ProcessingStep.Pending) {
            LOG.infof("upload %s: %s has no verdict yet (%s); again in %s", upload.id, what, why.getMessage(), pause);
        } else {
            LOG.warnf("upload %s: %s failed (%s); again in %s", upload.id, what, why.toString(), pause);
        }
        return finisher.settle(upload.id, token, u -> u.stepLater(now().plus(pause), now()))
                .replaceWith((String) null)
                .onFailure().invoke(failure -> LOG.infof("upload %s: could not schedule its next try (%s); its lease runs out",
                        upload.id, failure.toString()))
                .onFailure().recoverWithNull();
    }

    Duration backoff(int attempts) {
        Duration pause = config.retryMin().multipliedBy(1L << Math.min(attempts, 20));
        return pause.compareTo(config.retryMax()) > 0 ? config.retryMax() : pause;
    }

    private void settled(Upload upload) {
        if (upload.completedAt != null) {
            metrics.settled(Duration.between(upload.completedAt, now()));
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
