package io.uploadgateway.upload.create;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.ConfigChecks;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.events.outbox.EventOutbox;
import io.uploadgateway.hook.PreCreateHook;
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
import io.uploadgateway.upload.sign.PartChecksums;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Starts an upload: checks the request, plans the parts, asks the app backend's pre-create hook
 * (if configured; no connection held while it answers), creates the S3 multipart upload and then
 * its ledger row with its {@code upload.created} event in one transaction. An
 * {@code Idempotency-Key} makes the call safe to retry: a replay of an upload already created
 * answers from the ledger without asking the hook again.
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
    private final PreCreateHook hook;
    private final EventOutbox events;

    public CreateUpload(MultipartStorage storage, UploadLedger ledger, Quotas quotas, GatewayConfig config, Clock clock,
                        UploadMetrics metrics, PreCreateHook hook, EventOutbox events) {
        this.storage = storage;
        this.ledger = ledger;
        this.quotas = quotas;
        this.contentPolicy = ContentPolicy.allowing(config.allowedContentTypes());
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.hook = hook;
        this.events = events;
    }

    /**
     * {@code openSized}: the client cannot say the size (Uppy's {@code /s3} routes); {@code size}
     * is then optional and, when absent, the upload is open-sized ({@link PartPlan#OPEN}).
     */
    public record Command(String owner, String filename, Long size, String contentType, Long partSize,
                          Map<String, String> metadata, String idempotencyKey, Boolean autoComplete, String checksumAlgorithm,
                          boolean openSized) {

        public Command(String owner, String filename, Long size, String contentType, Long partSize,
                       Map<String, String> metadata, String idempotencyKey, Boolean autoComplete) {
            this(owner, filename, size, contentType, partSize, metadata, idempotencyKey, autoComplete, null, false);
        }
    }

    /** {@code replayed} is true when an Idempotency-Key matched an upload created earlier. */
    public record Created(UploadWithParts upload, boolean replayed) {
    }

    public Uni<Created> create(Command command) {
        PartPlan plan = plan(command);
        String checksumAlgorithm = checksumAlgorithm(command.checksumAlgorithm());
        if (command.idempotencyKey() == null) {
            return fresh(command, plan, checksumAlgorithm);
        }
        return replay(command).flatMap(existing -> existing != null
                ? Uni.createFrom().item(existing)
                : fresh(command, plan, checksumAlgorithm).onFailure(Failures::isUniqueViolation)
                        // A concurrent request with the same key won the insert.
                        .recoverWithUni(() -> replay(command)));
    }

    /**
     * The upload's additional checksum: the one asked ({@code NONE} for none), else the configured
     * default; a 400 for an unknown name, {@code checksums_unsupported} when the store lacks them.
     */
    private String checksumAlgorithm(String asked) {
        if (asked == null) {
            return config.checksumAlgorithm().orElse(null);
        }
        String name = asked.strip().toUpperCase(java.util.Locale.ROOT);
        if (name.equals("NONE")) {
            return null;
        }
        if (!ConfigChecks.CHECKSUM_ALGORITHMS.contains(name)) {
            throw ApiProblem.invalid("checksumAlgorithm must be one of " + ConfigChecks.CHECKSUM_ALGORITHMS + " or NONE, got \""
                    + (asked.length() > 40 ? asked.substring(0, 40) + "…" : asked) + "\"");
        }
        if (!config.store().additionalChecksums()) {
            throw ErrorCode.CHECKSUMS_UNSUPPORTED.problem("checksumAlgorithm " + name + " was asked for, but this gateway's object store"
                    + " does not check additional checksums; omit it and send each part's contentMd5 at presign instead");
        }
        return name;
    }

    private Uni<Created> fresh(Command command, PartPlan plan, String checksumAlgorithm) {
        String contentType = command.contentType() == null ? UploadRules.DEFAULT_CONTENT_TYPE : command.contentType().strip();
        Map<String, String> requested = command.metadata() == null ? Map.of() : Map.copyOf(command.metadata());
        Long size = plan.isOpen() ? null : plan.size();
        var intent = new PreCreateHook.Intent(command.owner(), command.filename(), size, contentType, requested);
        // Over quota, neither the hook nor S3 is asked anything; the check is repeated under the
        // owner's lock in the transaction that records the upload. An open-sized upload starts at 0 bytes.
        return ledger.session(() -> quotas.limitsOf(command.owner())
                        .call(limits -> quotas.check(command.owner(), size == null ? 0 : size, limits)))
                .flatMap(limits -> hook.check(intent)
                .flatMap(added -> created(command, plan, contentType, withHookMetadata(requested, added), checksumAlgorithm, limits)));
    }

    /** The client's metadata plus what the hook added (the hook wins on a shared key); still within S3's limits. */
    static Map<String, String> withHookMetadata(Map<String, String> requested, Map<String, String> added) {
        if (added.isEmpty()) {
            return requested;
        }
        Map<String, String> merged = new LinkedHashMap<>(requested);
        merged.putAll(added);
        String problem = UploadRules.metadataProblem(merged);
        if (problem != null) {
            throw ErrorCode.HOOK_UNAVAILABLE.problem("the application's pre-create check added metadata the gateway cannot store ("
                    + problem + "); nothing was created").withHeader("Retry-After", "5");
        }
        return Map.copyOf(merged);
    }

    private Uni<Created> created(Command command, PartPlan plan, String contentType, Map<String, String> metadata,
                                 String checksumAlgorithm, Quotas.Limits limits) {
        return Uni.createFrom().deferred(() -> {
            UUID id = UUID.randomUUID();
            String key = ObjectKeys.forUpload(config.keyRoot(), command.owner(), id, command.filename());
            return storage.createMultipartUpload(key, contentType, metadata, PartChecksums.algorithm(checksumAlgorithm))
                    .flatMap(s3UploadId -> ledger.transaction(() -> quotas.enforce(command.owner(), plan.isOpen() ? 0 : plan.size(), limits).chain(() -> {
                        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                        Upload upload = new Upload();
                        upload.id = id;
                        upload.owner = command.owner();
                        upload.state = UploadState.UPLOADING;
                        upload.key = key;
                        upload.s3UploadId = s3UploadId;
                        upload.filename = command.filename();
                        upload.contentType = contentType;
                        if (!plan.isOpen()) {
                            upload.size = plan.size();
                            upload.partSize = plan.partSize();
                            upload.partCount = plan.partCount();
                        }
                        upload.metadata = metadata;
                        upload.idempotencyKey = command.idempotencyKey();
                        upload.checksumAlgorithm = checksumAlgorithm;
                        upload.createdAt = now;
                        upload.touch(now, config.uploadTtl());
                        // An open-sized upload cannot be judged complete before its client says so.
                        upload.autoComplete = !plan.isOpen()
                                && (command.autoComplete() != null ? command.autoComplete() : config.autoComplete().byDefault());
                        upload.checkAt(now.plus(config.autoComplete().checkInterval()), config.autoComplete().checkInterval());
                        return ledger.insert(upload).call(inserted -> events.record(inserted, now));
                    })).onFailure().call(failure ->
                            // The row never made it: do not leave an orphan multipart upload behind.
                            storage.abortMultipartUpload(key, s3UploadId).onFailure().recoverWithNull()))
                    .map(upload -> {
                        events.committed();
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
                    if (!upload.filename.equals(command.filename()) || !java.util.Objects.equals(upload.size, command.size())) {
                        return Uni.createFrom().failure(ErrorCode.IDEMPOTENCY_KEY_REUSED.problem(
                                "Idempotency-Key '" + command.idempotencyKey() + "' was used for upload " + upload.id
                                        + " of a different file; use a new key for a new upload"));
                    }
                    return ledger.withParts(upload).map(full -> new Created(full, true));
                }));
    }

    /** The command checked (filename, type, metadata, size, allowed content type): its part plan, or a 4xx. */
    PartPlan plan(Command command) {
        String problem = Filenames.problemWith(command.filename());
        if (problem == null) {
            problem = UploadRules.contentTypeProblem(command.contentType());
        }
        if (problem == null) {
            problem = UploadRules.metadataProblem(command.metadata());
        }
        if (problem == null && command.openSized() && command.autoComplete() != null && command.autoComplete()) {
            problem = "autoComplete needs a size";
        }
        if (problem == null && command.size() == null && !command.openSized()) {
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
        if (command.size() == null) {
            return PartPlan.OPEN; // the total is checked at completion, from ListParts
        }
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
