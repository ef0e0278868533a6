package io.uploadgateway.upload.ledger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.reactive.RunToEnd;
import io.uploadgateway.upload.PartReconciliation.Adoption;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadPart;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.UploadWithParts;
import io.uploadgateway.problem.Errors;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one place that reads and writes uploads and their parts for the use cases. Every method
 * but {@link #transaction} and {@link #session} runs in the caller's reactive session, which
 * one of those two opens; an upload the scope may not see is a 404, never a hint that it exists.
 */
@ApplicationScoped
public class UploadLedger {

    /**
     * Runs {@code work} in a new transaction: committed when its Uni succeeds, rolled back when it
     * fails — never cut off half-way because the client went away ({@link RunToEnd}).
     */
    public <T> Uni<T> transaction(Supplier<Uni<T>> work) {
        return RunToEnd.of(() -> Panache.withTransaction(work));
    }

    /** Runs {@code work} in a session without a transaction (reads). */
    public <T> Uni<T> session(Supplier<Uni<T>> work) {
        return Panache.withSession(work);
    }

    /** The upload, if the scope may see it. */
    public Uni<Upload> find(Scope scope, UUID id) {
        return ofScope(scope, id, LockModeType.NONE);
    }

    /** The upload with its row lock ({@code FOR UPDATE}), held until the caller's transaction ends. */
    public Uni<Upload> lock(Scope scope, UUID id) {
        return ofScope(scope, id, LockModeType.PESSIMISTIC_WRITE);
    }

    private Uni<Upload> ofScope(Scope scope, UUID id, LockModeType lock) {
        var query = scope instanceof Scope.Owner owner
                ? Upload.<Upload>find("id = ?1 and owner = ?2", id, owner.owner())
                : Upload.<Upload>find("id", id);
        if (lock != LockModeType.NONE) {
            query = query.withLock(lock);
        }
        return query.firstResult().map(upload -> {
            if (upload == null) {
                throw Errors.noSuchUpload(id);
            }
            return upload;
        });
    }

    /**
     * In a new short transaction: the upload, locked, if it still carries the claim {@code token};
     * then {@code finish} writes the transition's end. {@link ClaimLost} when the claim was taken over.
     */
    public <T> Uni<T> finish(UUID id, UUID token, Function<Upload, Uni<T>> finish) {
        return transaction(() -> lock(Scope.operator(), id).flatMap(upload -> {
            if (!upload.holds(token)) {
                throw new ClaimLost(id);
            }
            return finish.apply(upload);
        }));
    }

    /** Gives up the claim {@code token} holds: the upload is UPLOADING again. False when the claim is gone. */
    public Uni<Boolean> release(UUID id, UUID token, Instant now) {
        return lock(Scope.operator(), id).map(upload -> {
            if (!upload.holds(token)) {
                return false;
            }
            upload.release(now);
            return true;
        });
    }

    /**
     * Brings the next look of an auto-complete upload to {@code at} and resets its back-off to
     * {@code floor} (a client call says the upload is alive). No effect on other uploads.
     */
    public Uni<Void> scheduleCheck(UUID id, Instant at, Duration floor) {
        return lock(Scope.operator(), id).invoke(upload -> upload.checkAt(at, floor)).replaceWithVoid();
    }

    /** The owner's upload created with this Idempotency-Key, or null. */
    public Uni<Upload> findByIdempotencyKey(String owner, String idempotencyKey) {
        return Upload.<Upload>find("owner = ?1 and idempotencyKey = ?2", owner, idempotencyKey).firstResult();
    }

    public Uni<List<UploadPart>> parts(Upload upload) {
        return UploadPart.<UploadPart>find("uploadId", Sort.ascending("partNumber"), upload.id).list();
    }

    public Uni<UploadWithParts> withParts(Upload upload) {
        return parts(upload).map(parts -> new UploadWithParts(upload, parts));
    }

    /** The ledger's record of one part, or null. */
    public Uni<UploadPart> part(UUID uploadId, int partNumber) {
        return UploadPart.findById(new UploadPart.Key(uploadId, partNumber));
    }

    public Uni<Upload> insert(Upload upload) {
        return upload.persist();
    }

    public Uni<UploadPart> insert(UploadPart part) {
        return part.persist();
    }

    /** Writes a reconciliation's new and dropped parts; changed parts are flushed with the transaction. */
    public Uni<Void> write(Adoption adoption) {
        if (adoption.added().isEmpty() && adoption.dropped().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        // One reactive session runs one operation at a time: batch the inserts and the deletes.
        return Panache.getSession().flatMap(session -> session.persistAll(adoption.added().toArray())
                .chain(() -> session.removeAll(adoption.dropped().toArray())));
    }

    /**
     * A page of the owner's uploads, newest first, after {@code after} (exclusive). The keyset is a
     * tuple comparison, which Hibernate 7.2 renders for PostgreSQL as the row comparison
     * {@code (created_at, id) < ($2, $3)}: an index condition on {@code uploads_owner_created (owner,
     * created_at desc, id desc)}, so a deep page costs what the first one does. The expanded
     * {@code createdAt < t or (createdAt = t and id < i)} could not bound the range: PostgreSQL read
     * the owner's rows from the newest down to the cursor (docs/benchmarks.md, "The ledger at scale").
     */
    public Uni<Page> ownersPage(String owner, UploadState state, Keyset after, int limit) {
        StringBuilder query = new StringBuilder("owner = :owner");
        Map<String, Object> params = new HashMap<>();
        params.put("owner", owner);
        if (state != null) {
            query.append(" and state = :state");
            params.put("state", state);
        }
        if (after != null) {
            query.append(" and (createdAt, id) < (:cursorTime, :cursorId)");
            params.put("cursorTime", after.at());
            params.put("cursorId", after.id());
        }
        return Upload.<Upload>find(query.toString(), Sort.descending("createdAt").and("id", Sort.Direction.Descending), params)
                .range(0, limit).list()
                .map(rows -> Page.of(rows, limit));
    }
}
