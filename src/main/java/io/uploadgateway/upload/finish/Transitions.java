package io.uploadgateway.upload.finish;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.ClaimsConfig;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.ledger.ClaimLost;
import io.uploadgateway.upload.ledger.UploadLedger;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * Runs a transition that waits on S3 without holding the database while S3 answers:
 * <ol>
 *   <li>claim the upload in a short transaction ({@code COMPLETING} or {@code ABORTING} with a
 *       fresh token, committed);</li>
 *   <li>do the S3 work with no transaction open;</li>
 *   <li>finish in a new short transaction that must still find the token ({@link UploadLedger#finish}).</li>
 * </ol>
 * A call that finds the upload claimed by a call in flight waits for it, polling the row with a
 * plain read (no row lock, no connection held in between), for up to {@code gateway.claims.wait-for},
 * then answers {@code 409 upload_busy} with {@code Retry-After}. When the S3 work fails, the claim is released and the upload is
 * UPLOADING again. A claim older than {@code gateway.claims.stale-after} died with its replica: the
 * next transition of the same kind takes it over (so does the janitor); should its holder still be
 * at work after all, its finish finds the claim gone and it answers {@code 409 upload_busy} too.
 */
@ApplicationScoped
public class Transitions {

    private static final Logger LOG = Logger.getLogger(Transitions.class);
    private static final long MAX_POLL_MILLIS = 500;

    private final UploadLedger ledger;
    private final ClaimsConfig config;
    private final Clock clock;

    public Transitions(UploadLedger ledger, GatewayConfig config, Clock clock) {
        this.ledger = ledger;
        this.config = config.claims();
        this.clock = clock;
    }

    /** One transition: where it leads, what to answer without S3, and the S3 work once claimed. */
    public interface Transition<T> {

        /** COMPLETED, ABORTED or EXPIRED. */
        UploadState target();

        /**
         * With the row locked, for an upload that is neither UPLOADING nor claimed: the answer
         * (a repeat of a finished transition), or a failure (the state does not allow it).
         */
        Uni<T> answerFor(Upload upload);

        /** The S3 work and the finishing transaction, for the upload now claimed with {@code token}. */
        Uni<T> inStorage(Upload claimed, UUID token);
    }

    public <T> Uni<T> run(Scope scope, UUID id, Transition<T> transition) {
        return attempt(scope, id, transition, now().plus(config.waitFor()), 0);
    }

    private <T> Uni<T> attempt(Scope scope, UUID id, Transition<T> transition, Instant giveUpAt, int round) {
        if (round == 0) {
            return claimOrAnswer(scope, id, transition, giveUpAt, round);
        }
        // A call waiting for another's claim looks first without the row lock: polling with FOR
        // UPDATE queued the waiting calls on the row lock, each holding a pooled connection, and
        // starved DB-only routes of connections while S3 hung (HungStorageDrillTest).
        return ledger.session(() -> ledger.find(scope, id))
                .flatMap(upload -> busy(upload, transition, now())
                        ? waitThenRetry(scope, id, transition, giveUpAt, round)
                        : claimOrAnswer(scope, id, transition, giveUpAt, round));
    }

    private <T> Uni<T> claimOrAnswer(Scope scope, UUID id, Transition<T> transition, Instant giveUpAt, int round) {
        UUID token = UUID.randomUUID();
        return ledger.transaction(() -> ledger.lock(scope, id).flatMap(upload -> claim(upload, transition, token)))
                .flatMap(step -> {
                    if (step.answered()) {
                        return Uni.createFrom().item(step.answer());
                    }
                    if (step.claimed() == null) {
                        return waitThenRetry(scope, id, transition, giveUpAt, round);
                    }
                    return transition.inStorage(step.claimed(), token)
                            .onFailure(failure -> !(failure instanceof ClaimLost))
                            .call(failure -> release(id, token, failure.toString()))
                            // Taken over while this call still worked (it outlived stale-after): the
                            // other call finishes the job, this one answers like a call that waited.
                            .onFailure(ClaimLost.class).transform(lost -> uploadBusy(id));
                });
    }

    /** What the claim transaction decided: an answer, the claimed upload, or neither (busy: wait). */
    private record Step<T>(boolean answered, T answer, Upload claimed) {

        static <T> Step<T> busy() {
            return new Step<>(false, null, null);
        }
    }

    /** Whether another call's claim keeps this transition waiting: a fresh claim, or one of the other kind. */
    private boolean busy(Upload upload, Transition<?> transition, Instant now) {
        boolean claimed = upload.state == UploadState.COMPLETING || upload.state == UploadState.ABORTING;
        return claimed && (upload.claimIsFresh(now, config.staleAfter()) || upload.state != Upload.claimingFor(transition.target()));
    }

    private <T> Uni<Step<T>> claim(Upload upload, Transition<T> transition, UUID token) {
        Instant now = now();
        boolean claimed = upload.state == UploadState.COMPLETING || upload.state == UploadState.ABORTING;
        if (busy(upload, transition, now)) {
            return Uni.createFrom().item(Step.busy());
        }
        if (upload.state == UploadState.UPLOADING || claimed) {
            if (claimed) {
                LOG.infof("upload %s: taking over a %s claim of %s that died with its replica", upload.id, upload.state,
                        upload.claimedAt);
            }
            upload.claim(transition.target(), token, now);
            return Uni.createFrom().item(new Step<>(false, null, upload));
        }
        return transition.answerFor(upload).map(answer -> new Step<>(true, answer, null));
    }

    private <T> Uni<T> waitThenRetry(Scope scope, UUID id, Transition<T> transition, Instant giveUpAt, int round) {
        if (!now().isBefore(giveUpAt)) {
            return Uni.createFrom().failure(uploadBusy(id));
        }
        long pause = Math.min(MAX_POLL_MILLIS, 25L << Math.min(round, 5));
        return pause(pause).chain(() -> attempt(scope, id, transition, giveUpAt, round + 1));
    }

    private ApiProblem uploadBusy(UUID id) {
        long retryAfter = Math.max(1, config.waitFor().toSeconds());
        return ErrorCode.UPLOAD_BUSY.problem("upload " + id + " is being completed or aborted by another call; ask again in "
                + retryAfter + " s").withHeader("Retry-After", String.valueOf(retryAfter));
    }

    /** Waits without blocking and resumes on the caller's Vert.x context, where the reactive session lives. */
    private static Uni<Void> pause(long millis) {
        Context context = Vertx.currentContext();
        if (context == null) {
            return Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(millis));
        }
        return Uni.createFrom().emitter(emitter -> context.owner().setTimer(millis,
                timer -> context.runOnContext(ignored -> emitter.complete(null))));
    }

    /** Gives the claim back (the upload is UPLOADING again) after its S3 work failed; never fails itself. */
    public Uni<Void> release(UUID id, UUID token, String why) {
        return ledger.transaction(() -> ledger.release(id, token, now()))
                .invoke(released -> LOG.debugf("upload %s: claim %s after %s", id, released ? "released" : "already gone", why))
                .onFailure().invoke(failure -> LOG.warnf("upload %s: could not release its claim (%s); it will be taken over "
                        + "once older than %s", id, failure.toString(), config.staleAfter()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
