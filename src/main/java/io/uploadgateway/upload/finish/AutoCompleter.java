package io.uploadgateway.upload.finish;

import io.uploadgateway.config.AutoCompleteConfig;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.storage.StorageException;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.PartReconciliation;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.ledger.OperatorLedger;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * Completes auto-complete uploads once every planned part is in S3 with its planned size: what a
 * phone's app would do if the OS had not put it to sleep. Not a blind poll: each upload is looked
 * at when it is due ({@code next_check_at}, set at create, brought forward by a lease, a sync or a
 * nudge, pushed back with a doubling back-off while parts are missing, never past its expiry).
 * A look is one ListParts with no claim; only a complete upload goes through
 * {@link CompleteUpload}, the same checks and the same single completion as a client's call.
 * Replicas take due uploads with {@code SKIP LOCKED}, so no two look at one upload at once.
 */
@ApplicationScoped
public class AutoCompleter {

    private static final Logger LOG = Logger.getLogger(AutoCompleter.class);

    private final Stores stores;
    private final UploadLedger ledger;
    private final OperatorLedger operators;
    private final CompleteUpload completion;
    private final AutoCompleteConfig config;
    private final Clock clock;

    public AutoCompleter(Stores stores, UploadLedger ledger, OperatorLedger operators, CompleteUpload completion,
                         GatewayConfig config, Clock clock) {
        this.stores = stores;
        this.ledger = ledger;
        this.operators = operators;
        this.completion = completion;
        this.config = config.autoComplete();
        this.clock = clock;
    }

    /** A client says "look now" (e.g. its OS reported the transfers done); answers when the look is due. */
    public Uni<Instant> nudge(Scope scope, UUID id) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return ledger.transaction(() -> ledger.lock(scope, id).map(upload -> {
            upload.requireUploading();
            if (!upload.autoComplete) {
                throw ApiProblem.invalid("upload " + id + " was not created with autoComplete; complete it with POST .../complete");
            }
            upload.checkAt(now, config.checkInterval());
            return now;
        }));
    }

    @Scheduled(identity = "auto-complete", every = "${gateway.auto-complete.poll}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return lookAtDueUploads()
                .onFailure().invoke(failure -> LOG.warnf("auto-complete pass failed, the next poll retries: %s", failure.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** One pass: the uploads due a look; answers the ids it completed. */
    public Uni<List<String>> lookAtDueUploads() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return ledger.transaction(() -> operators.takeDueChecks(now, config.batchSize(), config.maxCheckInterval()))
                // One at a time: a reactive session belongs to one flow of the Vert.x context.
                .flatMap(due -> Multi.createFrom().iterable(due)
                        .onItem().transformToUniAndConcatenate(this::lookAt)
                        .filter(id -> id != null)
                        .collect().asList());
    }

    private Uni<String> lookAt(Upload upload) {
        return ledger.session(() -> ledger.parts(upload))
                .flatMap(recorded -> stores.storage(upload.store).listParts(upload.key, upload.s3UploadId)
                        .map(listed -> PartReconciliation.judge(upload.plan(), recorded, listed).completable()))
                // S3 no longer knowing the upload may mean it was completed: complete() finds out.
                .onFailure(StorageException.NoSuchUpload.class).recoverWithItem(true)
                .flatMap(complete -> complete
                        ? completion.complete(Scope.operator(), upload.id).map(done -> upload.id.toString())
                        : Uni.createFrom().nullItem())
                .onFailure().invoke(failure -> LOG.infof("upload %s not auto-completed yet: %s", upload.id, failure.getMessage()))
                .onFailure().recoverWithNull();
    }
}
