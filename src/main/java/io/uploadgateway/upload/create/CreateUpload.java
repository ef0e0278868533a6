package io.uploadgateway.upload.create;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.hook.PreCreateHook;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.reactive.RunToEnd;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.storage.Store;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.storage.UrlSigner.PresignedPost;
import io.uploadgateway.storage.presign.ChecksumAlgorithm;
import io.uploadgateway.upload.ContentPolicy;
import io.uploadgateway.upload.Filenames;
import io.uploadgateway.upload.ObjectKeys;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadKind;
import io.uploadgateway.upload.UploadLimits;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.UploadRules;
import io.uploadgateway.upload.UploadWithParts;
import io.uploadgateway.upload.events.UploadEvents;
import io.uploadgateway.upload.ledger.CreateLedger;
import io.uploadgateway.upload.ledger.Failures;
import io.uploadgateway.upload.ledger.KeySpace;
import io.uploadgateway.upload.ledger.UploadLedger;
import io.uploadgateway.upload.quota.Quotas;
import io.uploadgateway.upload.sign.SigningWindow;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Starts an upload of any kind, in the same steps: the request checked (filename, type, metadata,
 * size, the content policy) and what the upload will reserve of its owner's bytes quota; the
 * quotas; the app backend's pre-create hook (if configured; no connection held while it
 * answers); then storage (CreateMultipartUpload, or a presigned POST of a staging key, which
 * needs no S3 call) and the ledger row with its {@code upload.created} event in one transaction,
 * the quotas checked again under the owner's lock. An {@code Idempotency-Key} makes a native
 * create safe to retry: a replay answers from the ledger without asking the hook again.
 */
@ApplicationScoped
public class CreateUpload {

    private final Stores stores;
    private final UploadLedger ledger;
    private final Quotas quotas;
    private final ContentPolicy contentPolicy;
    private final UploadLimits limits;
    private final GatewayConfig config;
    private final Clock clock;
    private final UploadMetrics metrics;
    private final PreCreateHook hook;
    private final UploadEvents events;
    private final SigningWindow window;
    private final KeySpace keys;
    private final CreateLedger creates;

    public CreateUpload(Stores stores, UploadLedger ledger, CreateLedger creates, Quotas quotas, GatewayConfig config,
                        Clock clock, UploadMetrics metrics, PreCreateHook hook, UploadEvents events, SigningWindow window,
                        KeySpace keys) {
        this.stores = stores;
        this.ledger = ledger;
        this.creates = creates;
        this.quotas = quotas;
        this.contentPolicy = ContentPolicy.allowing(config.allowedContentTypes());
        this.limits = UploadLimits.of(config);
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.hook = hook;
        this.events = events;
        this.window = window;
        this.keys = keys;
    }

    /** What one entry point asks to create; built by the named constructors, one per entry point. */
    public record Command(UploadKind kind, String owner, String filename, Long size, String contentType, Long partSize,
                         Map<String, String> metadata, String idempotencyKey, Boolean autoComplete, ChecksumChoice checksum,
                         String storeClaim) {

        /** The same, with the value of the caller's token claim that chooses a store ({@code gateway.store-claim}). */
        public Command withStoreClaim(String value) {
            return new Command(kind, owner, filename, size, contentType, partSize, metadata, idempotencyKey, autoComplete, checksum,
                    value);
        }

        /**
         * The native API: a declared size (required), optionally a part size, an Idempotency-Key,
         * server-side completion and an additional checksum.
         */
        public static Command planned(String owner, String filename, Long size, String contentType, Long partSize,
                                      Map<String, String> metadata, String idempotencyKey, Boolean autoComplete,
                                      ChecksumChoice checksum) {
            if (size == null) {
                throw ApiProblem.invalid("size is required: the file's length in bytes");
            }
            return new Command(UploadKind.PLANNED, owner, filename, size, contentType, partSize, metadata, idempotencyKey,
                    autoComplete, checksum, null);
        }

        /**
         * Uppy's {@code /s3/multipart}: planned when the app put the file's size (and maybe a part
         * size) in the metadata, open-sized otherwise. Uppy sends no part checksums.
         */
        public static Command uppyMultipart(String owner, String filename, String contentType, Map<String, String> metadata,
                                            Long size, Long partSize) {
            return new Command(size == null ? UploadKind.OPEN_SIZED : UploadKind.PLANNED, owner, filename, size, contentType,
                    size == null ? null : partSize, metadata, null, false, ChecksumChoice.NONE, null);
        }

        /** Uppy's {@code /s3/params}: one presigned POST, of at most {@code size} bytes when the app said so. */
        public static Command form(String owner, String filename, String contentType, Map<String, String> metadata, Long size) {
            return new Command(UploadKind.SINGLE_REQUEST, owner, filename, size, contentType, null, metadata, null, false,
                    ChecksumChoice.NONE, null);
        }
    }

    /**
     * The upload as created ({@code replayed}: an Idempotency-Key matched one created earlier), and
     * for a single-request upload the form its browser sends the file with (null otherwise).
     */
    public record Created(UploadWithParts upload, boolean replayed, Form form) {
    }

    /** A presigned POST: the form's {@code url}, its {@code fields} (in order, before the file), its expiry, the most it takes. */
    public record Form(String url, Map<String, String> fields, Instant expiresAt, long maxBytes) {
    }

    /** The request as checked: the plan of a planned upload, the most a form may take, and the additional checksum. */
    private record Checked(PartPlan plan, long formMaxBytes, ChecksumChoice checksum, String contentType,
                           Map<String, String> metadata) {
    }

    /**
     * Creates the upload. Once the checks passed it runs to its end even if the client goes away
     * ({@link RunToEnd}): the multipart upload S3 made always gets its ledger row (or is aborted
     * when the row cannot be written), never left behind by a closed connection.
     */
    public Uni<Created> create(Command command) {
        Checked checked = check(command);
        if (command.idempotencyKey() == null) {
            return RunToEnd.of(() -> fresh(command, checked));
        }
        return RunToEnd.of(() -> replay(command).flatMap(existing -> existing != null
                ? Uni.createFrom().item(existing)
                : fresh(command, checked).onFailure(Failures::isUniqueViolation)
                        // A concurrent request with the same key won the insert.
                        .recoverWithUni(() -> replay(command))));
    }

    /** The command checked (filename, type, metadata, size, allowed content type, checksum), or a 4xx. */
    private Checked check(Command command) {
        String problem = Filenames.problemWith(command.filename());
        if (problem == null) {
            problem = UploadRules.contentTypeProblem(command.contentType());
        }
        if (problem == null) {
            problem = UploadRules.metadataProblem(command.metadata());
        }
        if (problem != null) {
            throw ApiProblem.invalid(problem);
        }
        String contentType = command.contentType() == null ? UploadRules.DEFAULT_CONTENT_TYPE : command.contentType().strip();
        if (!contentPolicy.allows(contentType)) {
            throw ErrorCode.UNSUPPORTED_CONTENT_TYPE.problem("contentType " + contentType + " is not accepted by this gateway")
                    .with("allowedContentTypes", config.allowedContentTypes());
        }
        long max = command.kind() == UploadKind.SINGLE_REQUEST ? limits.singleRequestMaxSize() : limits.maxSize();
        if (command.size() != null && command.size() > max) {
            throw ErrorCode.TOO_LARGE.problem("size " + command.size() + " exceeds this gateway's limit of " + max + " bytes"
                    + (command.kind() == UploadKind.SINGLE_REQUEST ? " for one request; upload it in parts (/s3/multipart)" : ""));
        }
        Map<String, String> metadata = command.metadata() == null ? Map.of() : Map.copyOf(command.metadata());
        ChecksumChoice checksum = command.checksum();
        return switch (command.kind()) {
            case PLANNED -> {
                try {
                    PartPlan plan = PartPlan.of(command.size(), command.partSize(), config.defaultPartSize().asLongValue(), max);
                    yield new Checked(plan, 0, checksum, contentType, metadata);
                } catch (IllegalArgumentException e) {
                    throw ApiProblem.invalid(e.getMessage());
                }
            }
            case OPEN_SIZED -> new Checked(null, 0, checksum, contentType, metadata);
            case SINGLE_REQUEST -> {
                if (command.size() != null && command.size() < 0) {
                    throw ApiProblem.invalid("size must not be negative, got " + command.size());
                }
                yield new Checked(null, command.size() != null ? command.size() : max, ChecksumChoice.NONE, contentType, metadata);
            }
        };
    }

    private Uni<Created> fresh(Command command, Checked checked) {
        Long declared = command.kind() == UploadKind.OPEN_SIZED ? null : command.size();
        var intent = new PreCreateHook.Intent(command.owner(), command.filename(), declared, checked.contentType(), checked.metadata());
        // Over quota, neither the hook nor S3 is asked anything; the check is repeated under the
        // owner's lock in the transaction that records the upload.
        return quotas.limitsBeforeCreate(command.owner()).flatMap(limits -> reservation(command, checked, limits)
                        .map(reserved -> new Reserved(limits, reserved)))
                .flatMap(reserved -> hook.check(intent).flatMap(allowed -> {
                    Map<String, String> metadata = withHookMetadata(checked.metadata(), allowed.metadata());
                    Store store = storeFor(allowed.store(), command.storeClaim());
                    UUID id = UUID.randomUUID();
                    var file = new Upload.NewFile(id, command.owner(), store.name(),
                            ObjectKeys.forUpload(keys.root(store), command.owner(), id, command.filename()), command.filename(),
                            checked.contentType(), metadata);
                    return command.kind() == UploadKind.SINGLE_REQUEST
                            ? withForm(store, file, reserved)
                            : withMultipartUpload(command, checked, store, file, reserved);
                }))
                .invoke(created -> {
                    events.committed();
                    metrics.started(created.upload().upload());
                });
    }

    /** The owner's limits, and what the new upload reserves of the bytes quota. */
    private record Reserved(Quotas.Limits limits, long bytes) {
    }

    /**
     * What the upload will reserve (a 429 when it does not fit): a planned upload its size, an
     * open-sized one nothing until it gets part URLs, a form the most it takes (within what the
     * owner has left).
     */
    private Uni<Long> reservation(Command command, Checked checked, Quotas.Limits limits) {
        return switch (command.kind()) {
            case PLANNED -> quotas.check(command.owner(), checked.plan().size(), limits).replaceWith(checked.plan().size());
            case OPEN_SIZED -> quotas.check(command.owner(), 0, limits).replaceWith(0L);
            case SINGLE_REQUEST -> quotas.remainingBytes(command.owner(), limits)
                    .map(remaining -> remaining == null ? checked.formMaxBytes() : Math.min(checked.formMaxBytes(), remaining));
        };
    }

    /**
     * The store the hook named, else the one the caller's claim maps to ({@code gateway.store-by-claim},
     * checked at startup), else the default one. A store the hook names that this gateway does not
     * have is the application's mistake: nothing is created, and the client may retry once it is fixed.
     */
    private Store storeFor(Optional<String> named, String claim) {
        if (named.isEmpty()) {
            String mapped = claim == null ? null : config.storeByClaim().get(claim);
            return mapped == null ? stores.byDefault() : stores.of(mapped);
        }
        return stores.named(named.get()).orElseThrow(() -> ErrorCode.HOOK_UNAVAILABLE.problem("the application's pre-create"
                + " check named a store this gateway does not have (\"" + (named.get().length() > 64 ? named.get().substring(0, 64) + "…"
                : named.get()) + "\"); nothing was created")
                .withHeader("Retry-After", "5"));
    }

    private Uni<Created> withMultipartUpload(Command command, Checked checked, Store store, Upload.NewFile file, Reserved reserved) {
        // What the store checks decides which checksum may be promised: known only once the store is.
        ChecksumAlgorithm checksum = checked.checksum().resolve(config.checksumAlgorithm(), store.capabilities());
        MultipartStorage storage = store.storage();
        return storage.createMultipartUpload(file.key(), file.contentType(), file.metadata(), checksum)
                .flatMap(s3UploadId -> record(command.owner(), reserved, () -> {
                            Instant now = now();
                            boolean autoComplete = command.autoComplete() != null ? command.autoComplete()
                                    : config.autoComplete().byDefault();
                            return command.kind() == UploadKind.PLANNED
                                    ? Upload.planned(file, s3UploadId, checked.plan(), command.idempotencyKey(), checksum,
                                    autoComplete, config.autoComplete().checkInterval(), now, config.uploadTtl())
                                    : Upload.openSized(file, s3UploadId, now, config.uploadTtl());
                        })
                        .onFailure().call(failure ->
                                // The row never made it: do not leave an orphan multipart upload behind.
                                storage.abortMultipartUpload(file.key(), s3UploadId).onFailure().recoverWithNull()))
                .map(upload -> new Created(new UploadWithParts(upload, List.of()), false, null));
    }

    private Uni<Created> withForm(Store store, Upload.NewFile file, Reserved reserved) {
        if (!store.capabilities().postObject()) {
            throw ErrorCode.POST_OBJECT_UNSUPPORTED.problem("this gateway's object store " + store.name() + " has no browser POST"
                    + " Object (post-object=false): upload in parts instead (Uppy: shouldUseMultipart: () => true)");
        }
        String stagingKey = ObjectKeys.stagingFor(keys.stagingRoot(store), file.id());
        return window.grant(store.name(), window.requested(null)).flatMap(grant -> {
            PresignedPost post = grant.signing().post(stagingKey, file.contentType(), reserved.bytes(), grant.lifetime());
            return record(file.owner(), reserved, () -> Upload.singleRequest(file, stagingKey, reserved.bytes(), post.expiresAt(), now(),
                    config.uploadTtl()))
                    .map(upload -> new Created(new UploadWithParts(upload, List.of()), false,
                            new Form(post.url(), post.fields(), post.expiresAt(), reserved.bytes())));
        });
    }

    /** One transaction: the owner's quotas checked again under their lock, the row, its {@code upload.created} event. */
    private Uni<Upload> record(String owner, Reserved reserved, Supplier<Upload> row) {
        return Uni.createFrom().item(row).flatMap(upload ->
                creates.record(upload, events.event(upload, upload.createdAt), quotas.underLock(owner, reserved.bytes(), reserved.limits())));
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

    /** The upload created earlier with this owner's key, if it is for the same file; a 422 if not. */
    private Uni<Created> replay(Command command) {
        return ledger.session(() -> ledger.findByIdempotencyKey(command.owner(), command.idempotencyKey())
                .flatMap(upload -> {
                    if (upload == null) {
                        return Uni.createFrom().nullItem();
                    }
                    if (!upload.filename.equals(command.filename()) || !Objects.equals(upload.size, command.size())) {
                        return Uni.createFrom().failure(ErrorCode.IDEMPOTENCY_KEY_REUSED.problem(
                                "Idempotency-Key '" + command.idempotencyKey() + "' was used for upload " + upload.id
                                        + " of a different file; use a new key for a new upload"));
                    }
                    return ledger.withParts(upload).map(full -> new Created(full, true, null));
                }));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
