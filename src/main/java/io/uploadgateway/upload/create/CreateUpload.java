package io.uploadgateway.upload.create;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.upload.ContentPolicy;
import io.uploadgateway.upload.Filenames;
import io.uploadgateway.upload.ObjectKeys;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.UploadRules;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.UploadWithParts;
import io.uploadgateway.upload.ledger.Failures;
import io.uploadgateway.upload.ledger.UploadLedger;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Starts an upload: checks the request, plans the parts, creates the S3 multipart upload and
 * then its ledger row. An {@code Idempotency-Key} makes the call safe to retry.
 */
@ApplicationScoped
public class CreateUpload {

    private final MultipartStorage storage;
    private final UploadLedger ledger;
    private final Quotas quotas;
    private final ContentPolicy contentPolicy;
    private final GatewayConfig config;
    private final Clock clock;
    private final UploadMetrics metrics;

    public CreateUpload(MultipartStorage storage, UploadLedger ledger, Quotas quotas, GatewayConfig config, Clock clock,
                        UploadMetrics metrics) {
        this.storage = storage;
        this.ledger = ledger;
        this.quotas = quotas;
        this.contentPolicy = ContentPolicy.allowing(config.allowedContentTypes());
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
    }

    public record Command(String owner, String filename, Long size, String contentType, Long partSize,
                          Map<String, String> metadata, String idempotencyKey, Boolean autoComplete) {
    }

    /** {@code replayed} is true when an Idempotency-Key matched an upload created earlier. */
    public record Created(UploadWithParts upload, boolean replayed) {
    }

    public Uni<Created> create(Command command) {
        PartPlan plan = plan(command);
        if (command.idempotencyKey() == null) {
            return fresh(command, plan);
        }
        return replay(command).flatMap(existing -> existing != null
                ? Uni.createFrom().item(existing)
                : fresh(command, plan).onFailure(Failures::isUniqueViolation)
                        // A concurrent request with the same key won the insert.
                        .recoverWithUni(() -> replay(command)));
    }

    private Uni<Created> fresh(Command command, PartPlan plan) {
        String contentType = command.contentType() == null ? UploadRules.DEFAULT_CONTENT_TYPE : command.contentType().strip();
        Map<String, String> metadata = command.metadata() == null ? Map.of() : Map.copyOf(command.metadata());
        // Over quota, nothing is asked of S3; the check is repeated under the owner's lock with the insert.
        return ledger.session(() -> quotas.check(command.owner(), plan.size())).chain(() -> {
            UUID id = UUID.randomUUID();
            String key = ObjectKeys.forUpload(config.keyRoot(), command.owner(), id, command.filename());
            return storage.createMultipartUpload(key, contentType, metadata)
                    .flatMap(s3UploadId -> ledger.transaction(() -> quotas.enforce(command.owner(), plan.size()).chain(() -> {
                        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                        Upload upload = new Upload();
                        upload.id = id;
                        upload.owner = command.owner();
                        upload.state = UploadState.UPLOADING;
                        upload.key = key;
                        upload.s3UploadId = s3UploadId;
                        upload.filename = command.filename();
                        upload.contentType = contentType;
                        upload.size = plan.size();
                        upload.partSize = plan.partSize();
                        upload.partCount = plan.partCount();
                        upload.metadata = metadata;
                        upload.idempotencyKey = command.idempotencyKey();
                        upload.createdAt = now;
                        upload.touch(now, config.uploadTtl());
                        upload.autoComplete = command.autoComplete() != null ? command.autoComplete() : config.autoComplete().byDefault();
                        upload.checkAt(now.plus(config.autoComplete().checkInterval()), config.autoComplete().checkInterval());
                        return ledger.insert(upload);
                    })).onFailure().call(failure ->
                            // The row never made it: do not leave an orphan multipart upload behind.
                            storage.abortMultipartUpload(key, s3UploadId).onFailure().recoverWithNull()))
                    .map(upload -> {
                        metrics.started(upload);
                        return new Created(new UploadWithParts(upload, List.of()), false);
                    });
        });
    }

    /** The upload created earlier with this owner's key, if it is for the same file; a 422 if not. */
    private Uni<Created> replay(Command command) {
        return ledger.session(() -> ledger.findByIdempotencyKey(command.owner(), command.idempotencyKey())
                .flatMap(upload -> {
                    if (upload == null) {
                        return Uni.createFrom().nullItem();
                    }
                    if (!upload.filename.equals(command.filename()) || upload.size != command.size()) {
                        return Uni.createFrom().failure(ErrorCode.IDEMPOTENCY_KEY_REUSED.problem(
                                "Idempotency-Key '" + command.idempotencyKey() + "' was used for upload " + upload.id
                                        + " of a different file; use a new key for a new upload"));
                    }
                    return ledger.withParts(upload).map(full -> new Created(full, true));
                }));
    }

    private PartPlan plan(Command command) {
        String problem = Filenames.problemWith(command.filename());
        if (problem == null) {
            problem = UploadRules.contentTypeProblem(command.contentType());
        }
        if (problem == null) {
            problem = UploadRules.metadataProblem(command.metadata());
        }
        if (problem == null && command.size() == null) {
            problem = "size is required: the file's length in bytes";
        }
        if (problem != null) {
            throw ApiProblem.invalid(problem);
        }
        String declared = command.contentType() == null ? UploadRules.DEFAULT_CONTENT_TYPE : command.contentType();
        if (!contentPolicy.allows(declared)) {
            throw ErrorCode.UNSUPPORTED_CONTENT_TYPE.problem("contentType " + declared + " is not accepted by this gateway")
                    .with("allowedContentTypes", config.allowedContentTypes());
        }
        long max = Math.min(config.maxUploadSize().asLongValue(), PartPlan.MAX_OBJECT_SIZE);
        if (command.size() > max) {
            throw ErrorCode.TOO_LARGE.problem("size " + command.size() + " exceeds this gateway's limit of " + max + " bytes");
        }
        try {
            return PartPlan.of(command.size(), command.partSize(), config.defaultPartSize().asLongValue(), max);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid(e.getMessage());
        }
    }
}
