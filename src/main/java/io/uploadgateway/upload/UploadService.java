package io.uploadgateway.upload;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.KeysetCursor;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.storage.MultipartStorage.PresignedRequest;
import io.uploadgateway.storage.MultipartStorage.StoredPart;
import io.uploadgateway.storage.StorageException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The multipart upload lifecycle over the PostgreSQL ledger and object storage. Every method
 * takes the owner so that someone else's upload is indistinguishable from a missing one; the
 * admin side passes {@link #ANY_OWNER}.
 *
 * <p>Concurrency: anything that changes an upload's parts or state holds the upload's row lock
 * ({@code SELECT … FOR UPDATE}) for the length of its transaction, S3 calls included, so two
 * completes, a complete and a part record, or two aborts never interleave.
 */
@ApplicationScoped
public class UploadService {

    /** Owner argument that matches every upload (operators). */
    public static final String ANY_OWNER = null;
    public static final int MAX_PRESIGN_BATCH = 1000;
    public static final long MAX_EXPIRY_SECONDS = 604_800;

    private static final Logger LOG = Logger.getLogger(UploadService.class);

    private final MultipartStorage storage;
    private final GatewayConfig config;
    private final Clock clock;
    private final UploadEvents events;

    public UploadService(MultipartStorage storage, GatewayConfig config, Clock clock, UploadEvents events) {
        this.storage = storage;
        this.config = config;
        this.clock = clock;
        this.events = events;
    }

    public record CreateCommand(String owner, String filename, Long size, String contentType, Long partSize,
                                Map<String, String> metadata, String idempotencyKey) {
    }

    /** {@code replayed} is true when an Idempotency-Key matched an upload created earlier. */
    public record Created(UploadWithParts upload, boolean replayed) {
    }

    public record PresignedPart(int partNumber, PresignedRequest request) {
    }

    public record Page(List<Upload> items, String nextCursor) {
    }

    // ---------------------------------------------------------------- create

    public Uni<Created> create(CreateCommand command) {
        PartPlan plan = validateCreate(command);
        String contentType = command.contentType() == null ? UploadRules.DEFAULT_CONTENT_TYPE : command.contentType().strip();
        Map<String, String> metadata = command.metadata() == null ? Map.of() : Map.copyOf(command.metadata());

        Uni<Created> fresh = Uni.createFrom().deferred(() -> {
            UUID id = UUID.randomUUID();
            String key = ObjectKeys.forUpload(config.keyPrefix(), command.owner(), id, command.filename());
            return storage.createMultipartUpload(key, contentType, metadata)
                    .flatMap(s3UploadId -> Panache.withTransaction(() -> {
                        Instant now = now();
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
                        return upload.<Upload>persist();
                    }).onFailure().call(failure -> {
                        // The row never made it: do not leave an orphan multipart upload behind.
                        return storage.abortMultipartUpload(key, s3UploadId).onFailure().recoverWithNull();
                    }))
                    .map(upload -> {
                        events.started(upload);
                        return new Created(new UploadWithParts(upload, List.of()), false);
                    });
        });

        if (command.idempotencyKey() == null) {
            return fresh;
        }
        return findByIdempotencyKey(command)
                .flatMap(existing -> existing != null
                        ? Uni.createFrom().item(existing)
                        : fresh.onFailure(Failures::isUniqueViolation)
                                // A concurrent request with the same key won the insert.
                                .recoverWithUni(() -> findByIdempotencyKey(command)));
    }

    private Uni<Created> findByIdempotencyKey(CreateCommand command) {
        return Panache.withSession(() -> Upload.<Upload>find("owner = ?1 and idempotencyKey = ?2",
                        command.owner(), command.idempotencyKey()).firstResult()
                .flatMap(upload -> {
                    if (upload == null) {
                        return Uni.createFrom().nullItem();
                    }
                    if (!upload.filename.equals(command.filename()) || upload.size != command.size()) {
                        return Uni.createFrom().failure(new ApiProblem(422, "idempotency_key_reused",
                                "Idempotency-Key already used",
                                "Idempotency-Key '" + command.idempotencyKey() + "' was used for upload " + upload.id
                                        + " of a different file; use a new key for a new upload"));
                    }
                    return partsOf(upload).map(parts -> new Created(new UploadWithParts(upload, parts), true));
                }));
    }

    private PartPlan validateCreate(CreateCommand command) {
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
        long max = Math.min(config.maxUploadSize().asLongValue(), PartPlan.MAX_OBJECT_SIZE);
        if (command.size() > max) {
            throw ApiProblem.tooLarge("size " + command.size() + " exceeds this gateway's limit of " + max + " bytes");
        }
        try {
            return PartPlan.of(command.size(), command.partSize(), config.defaultPartSize().asLongValue(), max);
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid(e.getMessage());
        }
    }

    // ---------------------------------------------------------------- read and sync

    public Uni<UploadWithParts> get(String owner, UUID id) {
        return Panache.withSession(() -> find(owner, id, LockModeType.NONE)
                .flatMap(upload -> partsOf(upload).map(parts -> new UploadWithParts(upload, parts))));
    }

    /**
     * Reconciles the ledger with S3's ListParts, then returns it. S3 wins for every part it
     * lists; ledger parts S3 does not have are dropped, unless they were recorded after the
     * listing started (a client racing the sync).
     */
    public Uni<UploadWithParts> sync(String owner, UUID id) {
        return Panache.withSession(() -> find(owner, id, LockModeType.NONE)).flatMap(current -> {
            if (current.state != UploadState.UPLOADING) {
                return get(owner, id);
            }
            Instant listedAt = now();
            return storage.listParts(current.key, current.s3UploadId)
                    .onFailure(StorageException.NoSuchUpload.class).transform(gone -> goneFromStorage(id))
                    .flatMap(stored -> Panache.withTransaction(() -> find(owner, id, LockModeType.PESSIMISTIC_WRITE)
                            .flatMap(upload -> {
                                if (upload.state != UploadState.UPLOADING) {
                                    return partsOf(upload).map(parts -> new UploadWithParts(upload, parts));
                                }
                                return partsOf(upload).flatMap(ledger -> adoptStoredParts(upload, ledger, stored, listedAt));
                            })));
        });
    }

    private Uni<UploadWithParts> adoptStoredParts(Upload upload, List<UploadPart> ledger, List<StoredPart> stored,
                                                   Instant listedAt) {
        Instant now = now();
        Map<Integer, UploadPart> byNumber = new HashMap<>();
        ledger.forEach(p -> byNumber.put(p.partNumber, p));
        Map<Integer, StoredPart> inStorage = new HashMap<>();
        stored.stream().filter(p -> p.partNumber() >= 1 && p.partNumber() <= upload.partCount)
                .forEach(p -> inStorage.put(p.partNumber(), p));

        List<UploadPart> added = new ArrayList<>();
        List<UploadPart> dropped = new ArrayList<>();
        for (StoredPart s3 : inStorage.values()) {
            UploadPart mine = byNumber.get(s3.partNumber());
            String etag = UploadRules.normaliseEtag(s3.etag());
            if (mine == null) {
                UploadPart adopted = UploadPart.of(upload.id, s3.partNumber(), etag, s3.size(),
                        s3.lastModified() == null ? now : s3.lastModified().truncatedTo(ChronoUnit.MICROS));
                byNumber.put(s3.partNumber(), adopted);
                added.add(adopted);
            } else if (mine.uploadedAt.isBefore(listedAt) && (!mine.etag.equals(etag) || mine.size != s3.size())) {
                mine.etag = etag;
                mine.size = s3.size();
            }
        }
        for (UploadPart mine : ledger) {
            if (!inStorage.containsKey(mine.partNumber) && mine.uploadedAt.isBefore(listedAt)) {
                byNumber.remove(mine.partNumber);
                dropped.add(mine);
            }
        }
        List<UploadPart> parts = byNumber.values().stream()
                .sorted((a, b) -> Integer.compare(a.partNumber, b.partNumber)).toList();
        recount(upload, parts, now);
        upload.touch(now, config.uploadTtl());
        return writeParts(added, dropped).replaceWith(new UploadWithParts(upload, parts));
    }

    /** One reactive session allows one operation at a time: batch the inserts and deletes. */
    private static Uni<Void> writeParts(List<UploadPart> added, List<UploadPart> dropped) {
        if (added.isEmpty() && dropped.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Panache.getSession().flatMap(session -> session.persistAll(added.toArray())
                .chain(() -> session.removeAll(dropped.toArray())));
    }

    private void recount(Upload upload, List<UploadPart> parts, Instant now) {
        PartPlan plan = upload.plan();
        int count = 0;
        long bytes = 0;
        for (UploadPart part : parts) {
            if (part.partNumber <= plan.partCount() && part.size == plan.sizeOf(part.partNumber)) {
                count++;
                bytes += part.size;
            }
        }
        upload.recountParts(count, bytes, now);
    }

    // ---------------------------------------------------------------- presign

    /**
     * Fresh URLs for the given parts, each signed for its exact length and for
     * {@code expiresInSeconds} (or the configured default), capped by the configured maximum
     * and by the signing credentials' own expiry. One ledger write per call, no S3 round trip.
     */
    public Uni<List<PresignedPart>> presign(String owner, UUID id, List<Integer> partNumbers, Long expiresInSeconds) {
        List<Integer> numbers = validatePartNumbers(partNumbers);
        Duration requested = validateExpiry(expiresInSeconds, config.presign().defaultExpiry());

        return Panache.withTransaction(() -> find(owner, id, LockModeType.NONE).flatMap(upload -> {
                    requireUploading(upload);
                    List<Integer> outOfPlan = numbers.stream().filter(n -> n > upload.partCount).toList();
                    if (!outOfPlan.isEmpty()) {
                        throw ApiProblem.invalid("part numbers " + outOfPlan + " are outside 1.." + upload.partCount
                                + " (this upload has " + upload.partCount + " parts)");
                    }
                    Instant now = now();
                    // A plain UPDATE, not a lock: presigning stays cheap. Zero rows means the janitor or
                    // an abort ended the upload since it was read.
                    return Upload.update("lastActivityAt = ?1, updatedAt = ?1, expiresAt = ?2 where id = ?3 and state = ?4",
                                    now, now.plus(config.uploadTtl()), upload.id, UploadState.UPLOADING)
                            .map(touched -> {
                                if (touched == 0) {
                                    throw ApiProblem.notActive("upload " + upload.id + " is no longer UPLOADING");
                                }
                                return upload;
                            });
                }))
                .flatMap(upload -> signingWindow(requested).map(window -> Map.entry(upload, window)))
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(uploadAndWindow -> {
                    Upload upload = uploadAndWindow.getKey();
                    Duration window = uploadAndWindow.getValue();
                    PartPlan plan = upload.plan();
                    List<PresignedPart> urls = new ArrayList<>(numbers.size());
                    for (int n : numbers) {
                        urls.add(new PresignedPart(n, storage.presignUploadPart(upload.key, upload.s3UploadId, n,
                                plan.sizeOf(n), window)));
                    }
                    events.presigned(urls.size());
                    return urls;
                });
    }

    /** The requested lifetime, capped by configuration and by the credentials' expiry. */
    private Uni<Duration> signingWindow(Duration requested) {
        return storage.credentialsExpiry().map(expiry -> PresignWindow
                .of(requested, config.presign().maxExpiry(), expiry, clock.instant())
                .orElseThrow(() -> new StorageException.Unavailable("the signing credentials have expired", null)));
    }


    private static List<Integer> validatePartNumbers(List<Integer> partNumbers) {
        if (partNumbers == null || partNumbers.isEmpty()) {
            throw ApiProblem.invalid("partNumbers is required: a list of 1 to " + MAX_PRESIGN_BATCH + " part numbers");
        }
        if (partNumbers.size() > MAX_PRESIGN_BATCH) {
            throw ApiProblem.invalid("at most " + MAX_PRESIGN_BATCH + " part numbers per call, got " + partNumbers.size());
        }
        LinkedHashSet<Integer> unique = new LinkedHashSet<>();
        for (Integer n : partNumbers) {
            if (n == null || n < 1 || n > PartPlan.MAX_PARTS) {
                throw ApiProblem.invalid("part numbers must be integers from 1 to " + PartPlan.MAX_PARTS + ", got " + n);
            }
            unique.add(n);
        }
        return List.copyOf(unique);
    }

    private Duration validateExpiry(Long seconds, Duration fallback) {
        if (seconds == null) {
            return fallback;
        }
        if (seconds < 1 || seconds > MAX_EXPIRY_SECONDS) {
            throw ApiProblem.invalid("expiresInSeconds must be between 1 and " + MAX_EXPIRY_SECONDS + ", got " + seconds);
        }
        return Duration.ofSeconds(seconds);
    }

    // ---------------------------------------------------------------- record a part

    /** Stores or replaces a part's ETag; its size is the planned size of that part number. */
    public Uni<UploadPart> recordPart(String owner, UUID id, int partNumber, String etag) {
        String problem = UploadRules.etagProblem(etag);
        if (problem != null) {
            throw ApiProblem.invalid(problem);
        }
        if (partNumber < 1 || partNumber > PartPlan.MAX_PARTS) {
            throw ApiProblem.invalid("partNumber must be from 1 to " + PartPlan.MAX_PARTS + ", got " + partNumber);
        }
        String normalised = UploadRules.normaliseEtag(etag);
        return Panache.withTransaction(() -> find(owner, id, LockModeType.PESSIMISTIC_WRITE).flatMap(upload -> {
            requireUploading(upload);
            if (partNumber > upload.partCount) {
                throw ApiProblem.invalid("partNumber " + partNumber + " is outside 1.." + upload.partCount);
            }
            long plannedSize = upload.plan().sizeOf(partNumber);
            Instant now = now();
            return UploadPart.<UploadPart>findById(new UploadPart.Key(id, partNumber)).flatMap(existing -> {
                upload.touch(now, config.uploadTtl());
                if (existing != null && existing.etag.equals(normalised) && existing.size == plannedSize) {
                    return Uni.createFrom().item(existing); // a retry of the same record
                }
                boolean wasCounted = existing != null && existing.size == plannedSize;
                if (!wasCounted) {
                    upload.recountParts(upload.partsUploaded + 1, upload.bytesUploaded + plannedSize, now);
                }
                if (existing != null) {
                    existing.etag = normalised;
                    existing.size = plannedSize;
                    existing.uploadedAt = now;
                    return Uni.createFrom().item(existing);
                }
                return UploadPart.of(id, partNumber, normalised, plannedSize, now).<UploadPart>persist();
            });
        }));
    }

    // ---------------------------------------------------------------- complete

    /**
     * Checks every planned part against S3's ListParts (presence, size, and the ETag the client
     * reported, if any), completes the multipart upload, and confirms the object's size with
     * HeadObject. Idempotent: a completed upload is returned as it is.
     */
    public Uni<UploadWithParts> complete(String owner, UUID id) {
        AtomicBoolean completedNow = new AtomicBoolean();
        return Panache.withTransaction(() -> find(owner, id, LockModeType.PESSIMISTIC_WRITE).flatMap(upload -> {
            if (upload.state == UploadState.COMPLETED) {
                return partsOf(upload).map(parts -> new UploadWithParts(upload, parts));
            }
            requireUploading(upload);
            completedNow.set(true);
            // S3 forgets a completed multipart upload: ListParts then answers NoSuchUpload (AWS) or
            // an empty list (S3Proxy). Either way an earlier complete may have finished it.
            return partsOf(upload).flatMap(ledger -> storage.listParts(upload.key, upload.s3UploadId)
                    .flatMap(stored -> stored.isEmpty()
                            ? adoptEarlierCompletion(upload, ledger, () -> completeChecked(upload, ledger, stored))
                            : completeChecked(upload, ledger, stored))
                    .onFailure(StorageException.NoSuchUpload.class)
                    .recoverWithUni(() -> adoptEarlierCompletion(upload, ledger,
                            () -> Uni.createFrom().failure(goneFromStorage(upload.id)))));
        })).invoke(result -> {
            // Counted once the ledger committed, not when S3 answered.
            if (completedNow.get()) {
                events.completed(result.upload());
            }
        });
    }

    private Uni<UploadWithParts> completeChecked(Upload upload, List<UploadPart> ledger, List<StoredPart> stored) {
        PartPlan plan = upload.plan();
        Map<Integer, StoredPart> inStorage = new HashMap<>();
        stored.forEach(p -> inStorage.put(p.partNumber(), p));
        Map<Integer, UploadPart> reported = new HashMap<>();
        ledger.forEach(p -> reported.put(p.partNumber, p));

        List<Integer> missing = new ArrayList<>();
        List<Map<String, Object>> mismatches = new ArrayList<>();
        List<StoredPart> toComplete = new ArrayList<>(plan.partCount());
        for (int n = 1; n <= plan.partCount(); n++) {
            StoredPart s3 = inStorage.get(n);
            if (s3 == null) {
                missing.add(n);
                continue;
            }
            long expected = plan.sizeOf(n);
            UploadPart mine = reported.get(n);
            String s3Etag = UploadRules.normaliseEtag(s3.etag());
            if (s3.size() != expected) {
                mismatches.add(mismatch(n, "size", expected, s3.size()));
            } else if (mine != null && !mine.etag.equals(s3Etag)) {
                mismatches.add(mismatch(n, "etag", mine.etag, s3Etag));
            }
            toComplete.add(new StoredPart(n, s3Etag, s3.size(), s3.lastModified()));
        }
        if (!missing.isEmpty()) {
            throw new ApiProblem(409, "parts_missing", "Parts missing",
                    missing.size() + " of " + plan.partCount() + " parts are not in storage yet; upload them and complete again")
                    .with("missingParts", missing);
        }
        if (!mismatches.isEmpty()) {
            throw new ApiProblem(409, "part_mismatch", "Parts do not match",
                    "Storage holds different bytes than expected for " + mismatches.size()
                            + " part(s): re-upload those parts (or GET ?sync=true to adopt what storage holds) and complete again")
                    .with("mismatchedParts", mismatches);
        }
        return storage.completeMultipartUpload(upload.key, upload.s3UploadId, toComplete)
                .onFailure(StorageException.PartsRejected.class).transform(rejected -> new ApiProblem(409, "part_mismatch",
                        "Parts rejected by storage", "Storage refused to assemble the parts ("
                        + ((StorageException.PartsRejected) rejected).s3Code() + "): " + rejected.getMessage()))
                .flatMap(objectEtag -> confirmAndRecord(upload, ledger, toComplete, objectEtag));
    }

    private static Map<String, Object> mismatch(int partNumber, String field, Object expected, Object actual) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("partNumber", partNumber);
        m.put("field", field);
        m.put("expected", expected);
        m.put("actual", actual);
        return m;
    }

    /**
     * Records a completion that storage finished but the ledger never heard of (a crash between
     * CompleteMultipartUpload and the commit): the object exists with the declared size.
     * Otherwise continues with {@code otherwise}.
     */
    private Uni<UploadWithParts> adoptEarlierCompletion(Upload upload, List<UploadPart> ledger,
                                                        Supplier<Uni<UploadWithParts>> otherwise) {
        return storage.headObject(upload.key).flatMap(object -> {
            if (object.isPresent() && object.get().size() == upload.size) {
                LOG.infof("upload %s was already completed in storage; recording it", upload.id);
                return recordCompletion(upload, ledger, null, object.get().etag());
            }
            return otherwise.get();
        });
    }

    /** HeadObject after CompleteMultipartUpload: the assembled object must have exactly the declared size. */
    private Uni<UploadWithParts> confirmAndRecord(Upload upload, List<UploadPart> ledger, List<StoredPart> completed,
                                                  String completionEtag) {
        return storage.headObject(upload.key).flatMap(object -> {
            long actual = object.map(MultipartStorage.StoredObject::size).orElse(-1L);
            if (actual != upload.size) {
                throw new StorageException.Unavailable("object " + upload.key + " has " + actual + " bytes after completion, expected "
                        + upload.size, null);
            }
            return recordCompletion(upload, ledger, completed, Objects.requireNonNullElse(object.get().etag(), completionEtag));
        });
    }

    /** The ledger side of a completion: parts as S3 assembled them (when known), counters, COMPLETED. */
    private Uni<UploadWithParts> recordCompletion(Upload upload, List<UploadPart> ledger, List<StoredPart> completed,
                                                  String objectEtag) {
        Instant now = now();
        List<UploadPart> added = new ArrayList<>();
        List<UploadPart> parts = new ArrayList<>(ledger);
        if (completed != null) {
            Map<Integer, UploadPart> byNumber = new HashMap<>();
            ledger.forEach(p -> byNumber.put(p.partNumber, p));
            parts.clear();
            for (StoredPart s3 : completed) {
                UploadPart mine = byNumber.get(s3.partNumber());
                if (mine == null) {
                    mine = UploadPart.of(upload.id, s3.partNumber(), s3.etag(), s3.size(),
                            s3.lastModified() == null ? now : s3.lastModified().truncatedTo(ChronoUnit.MICROS));
                    added.add(mine);
                }
                parts.add(mine);
            }
        }
        recount(upload, parts, now);
        upload.markCompleted(objectEtag, now);
        return writeParts(added, List.of()).replaceWith(new UploadWithParts(upload, parts));
    }

    // ---------------------------------------------------------------- abort

    /** Aborts in S3 and marks the upload ABORTED; aborting an aborted or expired upload changes nothing. */
    public Uni<Upload> abort(String owner, UUID id) {
        AtomicBoolean abortedNow = new AtomicBoolean();
        return Panache.withTransaction(() -> find(owner, id, LockModeType.PESSIMISTIC_WRITE).flatMap(upload -> {
            if (upload.state == UploadState.ABORTED || upload.state == UploadState.EXPIRED) {
                return Uni.createFrom().item(upload);
            }
            if (upload.state == UploadState.COMPLETED) {
                throw ApiProblem.notActive("upload " + id + " is already completed; a completed upload cannot be aborted");
            }
            return storage.abortMultipartUpload(upload.key, upload.s3UploadId).map(ignored -> {
                upload.markAborted(now());
                abortedNow.set(true);
                return upload;
            });
        })).invoke(upload -> {
            if (abortedNow.get()) {
                events.aborted(upload);
            }
        });
    }

    // ---------------------------------------------------------------- download

    public Uni<PresignedRequest> download(String owner, UUID id, Long expiresInSeconds, String disposition) {
        String type = disposition == null ? "attachment" : disposition;
        if (!type.equals("attachment") && !type.equals("inline")) {
            throw ApiProblem.invalid("disposition must be 'attachment' or 'inline', got '" + disposition + "'");
        }
        Duration requested = validateExpiry(expiresInSeconds, config.presign().defaultExpiry());
        return Panache.withSession(() -> find(owner, id, LockModeType.NONE))
                .flatMap(upload -> {
                    if (upload.state != UploadState.COMPLETED) {
                        throw ApiProblem.notActive("upload " + id + " is " + upload.state + "; only COMPLETED uploads can be downloaded");
                    }
                    return signingWindow(requested).map(window -> storage.presignDownload(upload.key,
                            ContentDisposition.of(type, upload.filename), upload.contentType, window));
                });
    }

    // ---------------------------------------------------------------- list

    /** The owner's uploads, newest first; {@code cursor} is the previous page's {@code nextCursor}. */
    public Uni<Page> list(String owner, String state, Integer limit, String cursor) {
        UploadState wanted = parseState(state);
        int size = validateLimit(limit, config.listing().defaultLimit(), config.listing().maxLimit());
        KeysetCursor after = KeysetCursor.parse(cursor);

        StringBuilder query = new StringBuilder("owner = :owner");
        Map<String, Object> params = new HashMap<>();
        params.put("owner", owner);
        if (wanted != null) {
            query.append(" and state = :state");
            params.put("state", wanted);
        }
        if (after != null) {
            query.append(" and (createdAt < :cursorTime or (createdAt = :cursorTime and id < :cursorId))");
            params.put("cursorTime", after.time());
            params.put("cursorId", after.id());
        }
        return Panache.withSession(() -> Upload.<Upload>find(query.toString(),
                        Sort.descending("createdAt").and("id", Sort.Direction.Descending), params)
                .range(0, size).list())
                .map(rows -> pageOf(rows, size, u -> new KeysetCursor(u.createdAt, u.id).encode()));
    }

    public static Page pageOf(List<Upload> rows, int size, Function<Upload, String> cursorOf) {
        if (rows.size() > size) {
            List<Upload> items = rows.subList(0, size);
            return new Page(items, cursorOf.apply(items.get(items.size() - 1)));
        }
        return new Page(rows, null);
    }

    public static UploadState parseState(String state) {
        if (state == null || state.isBlank()) {
            return null;
        }
        try {
            return UploadState.valueOf(state.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid("state must be one of " + java.util.Arrays.toString(UploadState.values()) + ", got '" + state + "'");
        }
    }

    public static int validateLimit(Integer limit, int fallback, int max) {
        if (limit == null) {
            return fallback;
        }
        if (limit < 1 || limit > max) {
            throw ApiProblem.invalid("limit must be between 1 and " + max + ", got " + limit);
        }
        return limit;
    }

    // ---------------------------------------------------------------- helpers

    private Uni<Upload> find(String owner, UUID id, LockModeType lock) {
        var query = owner == ANY_OWNER
                ? Upload.<Upload>find("id", id)
                : Upload.<Upload>find("id = ?1 and owner = ?2", id, owner);
        if (lock != LockModeType.NONE) {
            query = query.withLock(lock);
        }
        return query.firstResult().map(upload -> {
            if (upload == null) {
                throw ApiProblem.notFound("no upload " + id);
            }
            return upload;
        });
    }

    private static Uni<List<UploadPart>> partsOf(Upload upload) {
        return UploadPart.<UploadPart>find("uploadId", Sort.ascending("partNumber"), upload.id).list();
    }

    private static void requireUploading(Upload upload) {
        if (upload.state != UploadState.UPLOADING) {
            throw ApiProblem.notActive("upload " + upload.id + " is " + upload.state + "; only UPLOADING uploads accept this");
        }
    }

    private static ApiProblem goneFromStorage(UUID id) {
        return ApiProblem.notActive("storage no longer has the multipart upload of " + id
                + " (aborted outside the gateway or removed by a lifecycle rule); start a new upload");
    }

    /** Ledger times have PostgreSQL's microsecond precision, so cursors round-trip exactly. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
