package io.uploadgateway.upload.quota;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadLimits;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * What an open upload holds of its owner's bytes quota ({@link Upload#reservedBytes}), and the
 * one rule for what it may hold in storage. A planned upload reserves its size at create, a form
 * the most it takes; an open-sized upload reserves as it gets part URLs ({@link #raise}), and its
 * assembled total must fit the gateway's maximum and a reservation (raised within the quota if the
 * upload holds more than its URLs reserved, as one from before reservations may). Completion and
 * the janitor both ask {@link #excess}.
 */
@ApplicationScoped
public class Reservations {

    private final UploadLedger ledger;
    private final Quotas quotas;
    private final UploadLimits limits;
    private final Clock clock;

    public Reservations(UploadLedger ledger, Quotas quotas, GatewayConfig config, Clock clock) {
        this.ledger = ledger;
        this.quotas = quotas;
        this.limits = UploadLimits.of(config);
        this.clock = clock;
    }

    /**
     * Raises the reservation of an open upload to {@code bytes}, in a short transaction of its own
     * (the row locked, the owner's quota checked under their lock): a 429 beyond the bytes quota, a
     * 409 for an upload that is no longer UPLOADING.
     */
    public Uni<Void> raise(UUID id, long bytes) {
        return ledger.transaction(() -> ledger.lock(Scope.operator(), id).flatMap(upload -> {
            upload.requireUploading();
            return quotas.reserve(upload, bytes, clock.instant().truncatedTo(ChronoUnit.MICROS));
        }));
    }

    /**
     * Why an upload whose bytes in storage add up to {@code total} holds more than it may, or null
     * when it is within its limits. An open-sized upload holding more than it reserved, but within
     * the gateway's maximum, keeps its bytes if its owner's quota has room for them: its reservation
     * is raised to {@code total} in a short transaction of its own.
     */
    public Uni<String> excess(Upload upload, long total) {
        return switch (upload.kind) {
            case PLANNED -> Uni.createFrom().nullItem(); // its plan fixes the size, reserved at create
            case SINGLE_REQUEST -> Uni.createFrom().item(total <= upload.reservedBytes ? null : "its object has " + total
                    + " bytes, over the " + upload.reservedBytes + " its form allowed (the store did not enforce the POST policy)");
            case OPEN_SIZED -> total > limits.maxSize()
                    ? Uni.createFrom().item("its parts add up to " + total + " bytes, over this gateway's limit of " + limits.maxSize()
                    + " bytes")
                    : total <= upload.reservedBytes ? Uni.createFrom().nullItem()
                    : ledger.transaction(() -> ledger.lock(Scope.operator(), upload.id)
                            .flatMap(claimed -> quotas.reserve(claimed, total, clock.instant().truncatedTo(ChronoUnit.MICROS))))
                    .replaceWith((String) null)
                    .onFailure(Reservations::overQuota).recoverWithItem(over -> "its " + total + " bytes would put its owner over the"
                            + " bytes quota (" + over.getMessage() + ")");
        };
    }

    private static boolean overQuota(Throwable failure) {
        return failure instanceof ApiProblem problem && problem.error() == ErrorCode.QUOTA_EXCEEDED;
    }
}
