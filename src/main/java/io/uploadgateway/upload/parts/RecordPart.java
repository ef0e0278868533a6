package io.uploadgateway.upload.parts;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.Errors;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.UploadKind;
import io.uploadgateway.upload.UploadPart;
import io.uploadgateway.upload.UploadRules;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * Stores or replaces the ETag a client read from S3's answer to a part upload. The part's size
 * is the planned size of its number; S3 keeps the last upload of a part number, so does the ledger.
 */
@ApplicationScoped
public class RecordPart {

    private final UploadLedger ledger;
    private final GatewayConfig config;
    private final Clock clock;

    public RecordPart(UploadLedger ledger, GatewayConfig config, Clock clock) {
        this.ledger = ledger;
        this.config = config;
        this.clock = clock;
    }

    public Uni<UploadPart> record(Scope scope, UUID id, int partNumber, String etag) {
        String problem = UploadRules.etagProblem(etag);
        if (problem != null) {
            throw ApiProblem.invalid(problem);
        }
        if (partNumber < 1 || partNumber > PartPlan.MAX_PARTS) {
            throw ApiProblem.invalid("partNumber must be from 1 to " + PartPlan.MAX_PARTS + ", got " + partNumber);
        }
        String normalised = UploadRules.normaliseEtag(etag);
        return ledger.transaction(() -> ledger.lock(scope, id).flatMap(upload -> {
            upload.requireUploading();
            upload.requireParts();
            if (upload.kind != UploadKind.PLANNED) {
                throw Errors.hasNoPlan(id, "its parts are taken from storage at completion, not recorded one by one");
            }
            if (partNumber > upload.partCount) {
                throw Errors.outsidePlan(List.of(partNumber), upload.partCount);
            }
            long plannedSize = upload.plan().sizeOf(partNumber);
            Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
            return ledger.part(id, partNumber).flatMap(existing -> {
                upload.touch(now, config.uploadTtl());
                if (existing != null && existing.etag.equals(normalised) && existing.size == plannedSize) {
                    return Uni.createFrom().item(existing); // a retry of the same record
                }
                if (existing == null || existing.size != plannedSize) {
                    upload.countPart(plannedSize, now);
                }
                if (existing != null) {
                    existing.etag = normalised;
                    existing.size = plannedSize;
                    existing.uploadedAt = now;
                    return Uni.createFrom().item(existing);
                }
                return ledger.insert(UploadPart.of(id, partNumber, normalised, plannedSize, now));
            });
        }));
    }
}
