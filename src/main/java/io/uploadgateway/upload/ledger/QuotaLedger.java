package io.uploadgateway.upload.ledger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.ledger.NumberedParameters;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * Owners' usage (open uploads and their bytes) and their quota overrides. The public methods run
 * in the caller's ORM session; the package's {@code SqlClient} forms serve {@link CreateLedger}.
 */
@ApplicationScoped
public class QuotaLedger {

    // The statements that run both in ORM transactions and on the SQL client (create's hot path)
    // are written once, with named parameters (NumberedParameters gives the client's form).
    private static final String LOCK_OWNER = "select pg_advisory_xact_lock(hashtextextended(:owner, 7)) is null";
    /**
     * The open states written into the SQL (SqlLiterals), not bound: under a generic plan only
     * constants let PostgreSQL use the partial index uploads_owner_open (docs/benchmarks.md, finding 2).
     */
    private static final String USAGE = "select count(*), coalesce(sum(reserved_bytes), 0) from uploads where owner = :owner"
            + " and state in (" + SqlLiterals.OPEN_STATES + ")";
    private static final String OVERRIDE = "select owner, max_active_uploads, max_bytes_in_flight, updated_at from owner_quotas"
            + " where owner = :owner";
    private static final NumberedParameters LOCK_OWNER_NUMBERED = NumberedParameters.of(LOCK_OWNER);
    private static final NumberedParameters USAGE_NUMBERED = NumberedParameters.of(USAGE);
    private static final NumberedParameters OVERRIDE_NUMBERED = NumberedParameters.of(OVERRIDE);

    /** An owner's open uploads and bytes in flight (what they reserve: {@code Upload#reservedBytes}). */
    public record Usage(String owner, long activeUploads, long bytesInFlight) {
    }

    /** An operator's override of the configured limits for one owner; null fields keep the configured value. */
    public record Override(String owner, Integer maxActiveUploads, Long maxBytesInFlight, Instant updatedAt) {
    }

    /**
     * Serialises quota decisions of one owner until the caller's transaction ends: concurrent
     * creates of one owner at the limit cannot both pass. Other owners are not affected.
     */
    public Uni<Void> lockOwner(String owner) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery(LOCK_OWNER, Boolean.class)
                .setParameter("owner", owner)
                .getSingleResult())
                .replaceWithVoid();
    }

    /** As {@link #lockOwner(String)}, in a transaction on the SQL client ({@code transaction} is its connection). */
    static Uni<Void> lockOwner(SqlClient transaction, String owner) {
        return transaction.preparedQuery(LOCK_OWNER_NUMBERED.sql()).execute(Tuple.of(owner)).replaceWithVoid();
    }

    /** The owner's open uploads and the bytes they reserve, in the caller's session. */
    public Uni<Usage> usage(String owner) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery(USAGE, Object[].class)
                .setParameter("owner", owner)
                .getSingleResult())
                .map(row -> new Usage(owner, ((Number) row[0]).longValue(), ((Number) row[1]).longValue()));
    }

    /** As {@link #usage(String)}, on the SQL client: the pool (what is committed) or a transaction's connection. */
    static Uni<Usage> usage(SqlClient client, String owner) {
        return client.preparedQuery(USAGE_NUMBERED.sql()).execute(Tuple.of(owner)).map(rows -> {
            Row row = rows.iterator().next();
            return new Usage(owner, row.getLong(0), row.getLong(1));
        });
    }

    /**
     * A quota decision to take under the owner's lock, in the transaction that records a new
     * upload: {@code refuse} throws (a 429) when the owner's current usage leaves no room.
     */
    public record Check(String owner, Consumer<Usage> refuse) {
    }

    /** An owner's usage beside the override an operator set for them, if any. */
    public record OwnerUsage(Usage usage, Override override) {
    }

    /** Owners with open uploads, by name, after {@code afterOwner}, with their overrides. */
    public Uni<List<OwnerUsage>> usages(String afterOwner, int limit) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery("""
                        select u.owner, u.active, u.bytes, q.max_active_uploads, q.max_bytes_in_flight, q.updated_at
                        from (select owner, count(*) as active, coalesce(sum(reserved_bytes), 0) as bytes from uploads
                              where state in (%s) and owner > :after
                              group by owner order by owner limit :limit) u
                        left join owner_quotas q on q.owner = u.owner
                        order by u.owner""".formatted(SqlLiterals.OPEN_STATES), Object[].class)
                .setParameter("after", afterOwner == null ? "" : afterOwner)
                .setParameter("limit", limit)
                .getResultList())
                .map(rows -> rows.stream().map(row -> new OwnerUsage(
                        new Usage((String) row[0], ((Number) row[1]).longValue(), ((Number) row[2]).longValue()),
                        row[5] == null ? null : toOverride(new Object[]{row[0], row[3], row[4], row[5]}))).toList());
    }

    /** The owner's override, or null. In the caller's session. */
    public Uni<Override> override(String owner) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery(OVERRIDE, Object[].class)
                .setParameter("owner", owner)
                .getResultList())
                .map(rows -> rows.isEmpty() ? null : toOverride(rows.get(0)));
    }

    /** As {@link #override(String)}, on the SQL client. */
    static Uni<Override> override(SqlClient client, String owner) {
        return client.preparedQuery(OVERRIDE_NUMBERED.sql()).execute(Tuple.of(owner)).map(rows -> {
            if (rows.size() == 0) {
                return null;
            }
            Row row = rows.iterator().next();
            return new Override(row.getString(0), row.getInteger(1), row.getLong(2), row.getOffsetDateTime(3).toInstant());
        });
    }

    public Uni<Void> putOverride(Override override) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery("""
                        insert into owner_quotas (owner, max_active_uploads, max_bytes_in_flight, updated_at)
                        values (:owner, cast(:active as integer), cast(:bytes as bigint), :at)
                        on conflict (owner) do update set max_active_uploads = excluded.max_active_uploads,
                            max_bytes_in_flight = excluded.max_bytes_in_flight, updated_at = excluded.updated_at""")
                .setParameter("owner", override.owner())
                .setParameter("active", override.maxActiveUploads())
                .setParameter("bytes", override.maxBytesInFlight())
                .setParameter("at", override.updatedAt())
                .executeUpdate())
                .replaceWithVoid();
    }

    public Uni<Boolean> removeOverride(String owner) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery("delete from owner_quotas where owner = :owner")
                .setParameter("owner", owner)
                .executeUpdate())
                .map(rows -> rows > 0);
    }

    private static Override toOverride(Object[] row) {
        return new Override((String) row[0], row[1] == null ? null : ((Number) row[1]).intValue(),
                row[2] == null ? null : ((Number) row[2]).longValue(), OperatorLedger.toInstant(row[3]));
    }
}
