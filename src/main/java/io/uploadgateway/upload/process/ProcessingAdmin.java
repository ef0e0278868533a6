package io.uploadgateway.upload.process;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.StepOutcome;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.events.UploadEvents;
import io.uploadgateway.upload.finish.Finisher;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * What operators (and the app, for its webhook step) do to the processing stage's uploads: release
 * a quarantined upload (its object back at its key, served; {@code upload.released}), delete a
 * quarantined upload's object ({@code upload.deleted}), and post the webhook step's verdict. Each
 * is recorded in the upload's processing record with who did it; each is safe to repeat.
 */
@ApplicationScoped
public class ProcessingAdmin {

    private final UploadLedger ledger;
    private final Finisher finisher;
    private final Quarantine quarantine;
    private final ProcessingStage stage;
    private final Clock clock;

    public ProcessingAdmin(UploadLedger ledger, Finisher finisher, Quarantine quarantine, ProcessingStage stage, Clock clock) {
        this.ledger = ledger;
        this.finisher = finisher;
        this.quarantine = quarantine;
        this.stage = stage;
        this.clock = clock;
    }

    /** Serves a QUARANTINED upload after all; a released one is answered as it is. */
    public Uni<Upload> release(UUID id, String operator) {
        return ledger.session(() -> ledger.find(Scope.operator(), id)).flatMap(upload -> {
            if (upload.state == UploadState.COMPLETED && lastVerdict(upload) == StepOutcome.Verdict.RELEASED) {
                return Uni.createFrom().item(upload);
            }
            requireKept(upload, "release");
            return quarantine.bringBack(upload).flatMap(etag -> finisher.amend(id, u -> {
                requireKept(u, "release");
                u.releaseFromQuarantine(operator, etag, now());
            }, UploadEvents.Type.RELEASED));
        });
    }

    /** Deletes a QUARANTINED upload's object; one already deleted is answered as it is. */
    public Uni<Upload> delete(UUID id, String operator) {
        return ledger.session(() -> ledger.find(Scope.operator(), id)).flatMap(upload -> {
            if (upload.state == UploadState.QUARANTINED && upload.quarantineKey == null) {
                return Uni.createFrom().item(upload);
            }
            requireKept(upload, "delete");
            return quarantine.delete(upload).chain(() -> finisher.amend(id, u -> {
                if (u.quarantineKey != null) {
                    u.quarantineDeleted(operator, now());
                }
            }, UploadEvents.Type.DELETED));
        });
    }

    /**
     * The app's verdict for the webhook step ({@code pass} or {@code fail}, and why): recorded once,
     * and the upload is looked at now. A verdict for an upload already past that step is answered
     * as it is.
     */
    public Uni<Upload> verdict(UUID id, String verdict, String reason) {
        if (!stage.steps().contains(WebhookStep.NAME)) {
            throw ErrorCode.UPLOAD_NOT_ACTIVE.problem("this gateway has no webhook step (GATEWAY_PROCESSING_WEBHOOK_URL is unset):"
                    + " there is no verdict to post");
        }
        StepOutcome outcome;
        try {
            outcome = WebhookStep.outcome(verdict == null ? "" : verdict, reason, clock);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid(e.getMessage());
        }
        return finisher.amend(id, u -> {
            if (u.outcomeOf(WebhookStep.NAME) != null) {
                return;
            }
            if (u.state != UploadState.PROCESSING) {
                throw ErrorCode.UPLOAD_NOT_ACTIVE.problem("upload " + id + " is " + u.state + "; a verdict is for a PROCESSING upload");
            }
            u.verdictArrived(outcome, now());
        }, null);
    }

    /** Answers 409 unless the upload is QUARANTINED with its object kept; {@code verb}: release, delete. */
    private static void requireKept(Upload upload, String verb) {
        if (upload.state != UploadState.QUARANTINED) {
            throw ErrorCode.UPLOAD_NOT_ACTIVE.problem("upload " + upload.id + " is " + upload.state + "; only a QUARANTINED upload can be "
                    + verb + "d");
        }
        if (upload.quarantineKey == null) {
            throw ErrorCode.UPLOAD_NOT_ACTIVE.problem("upload " + upload.id + ": its object was deleted; there is nothing to " + verb);
        }
    }

    private static StepOutcome.Verdict lastVerdict(Upload upload) {
        List<StepOutcome> outcomes = upload.outcomes();
        return outcomes == null || outcomes.isEmpty() ? null : outcomes.get(outcomes.size() - 1).verdict();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
