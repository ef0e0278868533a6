package io.uploadgateway.events.ledger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.events.Backlog;
import io.uploadgateway.events.EventStatus;
import io.uploadgateway.events.FeedCursor;
import io.uploadgateway.events.NewEvent;
import io.uploadgateway.events.StoredEvent;
import io.uploadgateway.ledger.NumberedParameters;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * Every query on the outbox. {@link #insert} runs in the caller's ORM transaction — the one that
 * makes the change the event reports — so the event commits or rolls back with it. Everything else is a single
 * statement on the reactive SQL client: no transaction stays open across a network call, and the
 * dispatcher never holds a connection while a receiver answers.
 */
@ApplicationScoped
public class EventLedger {

    private static final String PENDING = "'" + EventStatus.PENDING.wire() + "'";
    private static final String DEAD_STATUS = "'" + EventStatus.DEAD.wire() + "'";
    private static final String COLUMNS = "seq, id, subject, type, payload::text as payload, occurred_at, status, attempts,"
            + " pending_since, next_attempt_at, last_attempt_at, last_status, last_error, delivered_at, dead_at";
    private static final int MAX_ERROR = 500;

    /**
     * Takes up to $4 due events for holder $1 until $2 (now is $3): pending, due, not leased by
     * another dispatcher, and the oldest still-pending event of their subject (events of one subject
     * go out in order). Rows another dispatcher is claiming right now are skipped, never waited for.
     */
    private static final String CLAIM = """
            update events e set lease_holder = $1, lease_until = $2
            from (select c.seq from events c
                  where c.status = %1$s
                    and (c.next_attempt_at is null or c.next_attempt_at <= $3)
                    and (c.lease_until is null or c.lease_until < $3)
                    and not exists (select 1 from events p
                                    where p.status = %1$s and p.subject = c.subject and p.seq < c.seq)
                  order by c.seq
                  limit $4
                  for update of c skip locked) picked
            where e.seq = picked.seq
            returning e.seq, e.id, e.subject, e.type, e.payload::text as payload, e.occurred_at, e.status, e.attempts,
                      e.pending_since, e.next_attempt_at, e.last_attempt_at, e.last_status, e.last_error, e.delivered_at, e.dead_at"""
            .formatted(PENDING);

    private static final String DELIVERED = "update events set status = $3, attempts = attempts + 1, last_attempt_at = $4,"
            + " last_status = $5, last_error = null, delivered_at = $4, next_attempt_at = null, lease_holder = null, lease_until = null"
            + " where seq = $1 and lease_holder = $2";
    private static final String RETRY = "update events set attempts = attempts + 1, last_attempt_at = $3, last_status = $4,"
            + " last_error = $5, next_attempt_at = $6, lease_holder = null, lease_until = null where seq = $1 and lease_holder = $2";
    private static final String DEAD = "update events set status = $3, attempts = attempts + 1, last_attempt_at = $4,"
            + " last_status = $5, last_error = $6, dead_at = $4, next_attempt_at = null, lease_holder = null, lease_until = null"
            + " where seq = $1 and lease_holder = $2";
    private static final String REDELIVER = "update events set status = $2, attempts = 0, pending_since = $3,"
            + " next_attempt_at = null, delivered_at = null, dead_at = null where id = $1 returning " + COLUMNS;

    /**
     * The feed: events of transactions that ended before every transaction still running
     * (pg_snapshot_xmin), in (txid, seq) order. A later commit always has a txid at or above that
     * horizon, so a cursor taken from what was served never skips an event that commits late.
     */
    private static final String FEED_HORIZON = "txid < pg_snapshot_xmin(pg_current_snapshot())";
    // The text form of txid gets its own name: "order by txid" would otherwise sort by this output
    // column, as text ('1000' before '997'), and a cursor walk would skip events where txids
    // cross a power of ten (EventFeedTest caught it at txid 999 → 1000).
    private static final String FEED_COLUMNS = "seq, txid::text as txid_text, id, type, payload::text as payload";

    private static final String INSERT = """
            insert into events (id, subject, type, payload, occurred_at, status, pending_since)
            values (:id, :subject, :type, cast(cast(:payload as text) as json), :occurredAt, :status, :occurredAt)""";

    private final Pool pool;

    public EventLedger(Pool pool) {
        this.pool = pool;
    }

    /**
     * Writes an event in the caller's transaction (Hibernate Reactive session): it commits with the
     * state change. The payload goes over the wire as text and becomes json in SQL (bound to a json
     * parameter, the pg client would send a Java string as a JSON string).
     */
    public Uni<Void> insert(NewEvent event) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery(INSERT)
                        .setParameter("id", event.id())
                        .setParameter("subject", event.subject())
                        .setParameter("type", event.type())
                        .setParameter("payload", event.payload())
                        .setParameter("occurredAt", event.occurredAt())
                        .setParameter("status", event.status().wire())
                        .executeUpdate())
                .replaceWithVoid();
    }

    /**
     * {@code change}, a single-row insert whose names do not include the event's ({@code id},
     * {@code subject}, {@code type}, {@code payload}, {@code occurredAt}, {@code status}), and the
     * event as one statement for the SQL client: the insert runs as a data-modifying CTE, which
     * PostgreSQL runs exactly once and to completion whether or not the event's insert reads it. Both
     * are written or neither, in one round trip, without a transaction around them (the same
     * statement also runs inside one). Not for an update: one that matched no row would still
     * write the event. Bind the event with {@link #bind}.
     */
    public static NumberedParameters withEvent(String change) {
        return NumberedParameters.of("with change as (" + change + ")\n" + INSERT);
    }

    /** {@code event}'s values in {@code values} of a statement {@link #withEvent} made. */
    public static NumberedParameters.Values bind(NumberedParameters.Values values, NewEvent event) {
        return values.set("id", event.id()).set("subject", event.subject()).set("type", event.type())
                .set("payload", event.payload()).set("occurredAt", utc(event.occurredAt())).set("status", event.status().wire());
    }

    /** Claims up to {@code limit} due events for {@code holder} until {@code leaseUntil}, oldest first. */
    public Uni<List<StoredEvent>> claim(UUID holder, Instant now, Instant leaseUntil, int limit) {
        return pool.preparedQuery(CLAIM).execute(Tuple.of(holder, utc(leaseUntil), utc(now), limit))
                .map(rows -> {
                    List<StoredEvent> claimed = events(rows);
                    claimed.sort(Comparator.comparingLong(StoredEvent::seq));
                    return claimed;
                });
    }

    /** The attempt under {@code holder}'s lease was accepted. False when the lease was lost (nothing written). */
    public Uni<Boolean> delivered(long seq, UUID holder, Instant now, int status) {
        return pool.preparedQuery(DELIVERED)
                .execute(Tuple.of(seq, holder, EventStatus.DELIVERED.wire(), utc(now), status))
                .map(rows -> rows.rowCount() == 1);
    }

    /** The attempt failed; the next one is due at {@code nextAttemptAt}. {@code status} is null without an HTTP answer. */
    public Uni<Boolean> retryLater(long seq, UUID holder, Instant now, Integer status, String error, Instant nextAttemptAt) {
        return pool.preparedQuery(RETRY)
                .execute(Tuple.tuple(List.of(seq, holder, utc(now))).addValue(status).addString(clip(error)).addValue(utc(nextAttemptAt)))
                .map(rows -> rows.rowCount() == 1);
    }

    /** The attempt failed at or past the max age: the event is dead. */
    public Uni<Boolean> dead(long seq, UUID holder, Instant now, Integer status, String error) {
        return pool.preparedQuery(DEAD)
                .execute(Tuple.tuple(List.of(seq, holder, EventStatus.DEAD.wire(), utc(now))).addValue(status).addString(clip(error)))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Makes an event pending again, due now, with a fresh max age; null when there is no such event. */
    public Uni<StoredEvent> redeliver(UUID id, Instant now) {
        return pool.preparedQuery(REDELIVER).execute(Tuple.of(id, EventStatus.PENDING.wire(), utc(now)))
                .map(rows -> rows.size() == 0 ? null : event(rows.iterator().next()));
    }

    public Uni<StoredEvent> find(UUID id) {
        return pool.preparedQuery("select " + COLUMNS + " from events where id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : event(rows.iterator().next()));
    }

    /** A page of the operators' listing, oldest first, after sequence number {@code afterSeq} (exclusive). */
    public Uni<List<StoredEvent>> page(EventStatus status, String type, Long afterSeq, int limit) {
        StringBuilder sql = new StringBuilder("select " + COLUMNS + " from events where true");
        List<Object> params = new ArrayList<>();
        if (status != null) {
            params.add(status.wire());
            sql.append(" and status = $").append(params.size());
        }
        if (type != null) {
            params.add(type);
            sql.append(" and type = $").append(params.size());
        }
        if (afterSeq != null) {
            params.add(afterSeq);
            sql.append(" and seq > $").append(params.size());
        }
        params.add(limit);
        sql.append(" order by seq limit $").append(params.size());
        return pool.preparedQuery(sql.toString()).execute(Tuple.tuple(params)).map(EventLedger::events);
    }

    /** One feed entry: the event and its position. */
    public record FeedEntry(FeedCursor position, UUID id, String type, String payload) {
    }

    /** Up to {@code limit} events after {@code after} (from the start when null) that no running transaction can still precede. */
    public Uni<List<FeedEntry>> feed(FeedCursor after, int limit) {
        Uni<RowSet<Row>> rows = after == null
                ? pool.preparedQuery("select " + FEED_COLUMNS + " from events where " + FEED_HORIZON
                        + " order by txid, seq limit $1").execute(Tuple.of(limit))
                : pool.preparedQuery("select " + FEED_COLUMNS + " from events where " + FEED_HORIZON
                        + " and (txid, seq) > ($1::text::xid8, $2) order by txid, seq limit $3")
                        .execute(Tuple.of(after.txid().toString(), after.seq(), limit));
        return rows.map(result -> {
            List<FeedEntry> entries = new ArrayList<>();
            for (Row row : result) {
                entries.add(new FeedEntry(new FeedCursor(new BigInteger(row.getString("txid_text")), row.getLong("seq")),
                        row.getUUID("id"), row.getString("type"), row.getString("payload")));
            }
            return entries;
        });
    }

    /**
     * The backlog as three scalar subqueries: the two counts are index-only ranges of
     * {@code events_status (status, seq)}; only the pending rows are read from the heap, for
     * {@code pending_since}. One scan with {@code filter} clauses read every dead event's row too
     * (115 k heap rows at 94 k dead events, every 15 s per replica: docs/benchmarks.md, "The ledger at scale").
     */
    static final String BACKLOG = ("select (select count(*) from events where status = %1$s) as pending,"
            + " (select min(pending_since) from events where status = %1$s) as oldest,"
            + " (select count(*) from events where status = %2$s) as dead").formatted(PENDING, DEAD_STATUS);

    /** Pending count, since when the oldest pending event waits, dead count. */
    public Uni<Backlog> backlog() {
        return pool.preparedQuery(BACKLOG).execute()
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Backlog(row.getLong("pending"), instant(row.getOffsetDateTime("oldest")), row.getLong("dead"));
                });
    }

    /**
     * Deletes up to {@code batch} events of {@code status} whose {@code column} (delivered_at,
     * occurred_at or dead_at) is before {@code cutoff}; answers how many.
     */
    public Uni<Integer> prune(EventStatus status, Instant cutoff, int batch) {
        String column = switch (status) {
            case DELIVERED -> "delivered_at";
            case DEAD -> "dead_at";
            case SKIPPED -> "occurred_at";
            case PENDING -> throw new IllegalArgumentException("pending events are never pruned");
        };
        return pool.preparedQuery("delete from events where seq in (select seq from events where status = $1 and "
                        + column + " < $2 order by seq limit $3 for update skip locked)")
                .execute(Tuple.of(status.wire(), utc(cutoff), batch))
                .map(RowSet::rowCount);
    }

    private static List<StoredEvent> events(RowSet<Row> rows) {
        List<StoredEvent> events = new ArrayList<>();
        for (Row row : rows) {
            events.add(event(row));
        }
        return events;
    }

    private static StoredEvent event(Row row) {
        return new StoredEvent(row.getLong("seq"), row.getUUID("id"), row.getUUID("subject"), row.getString("type"),
                row.getString("payload"), instant(row.getOffsetDateTime("occurred_at")), EventStatus.ofWire(row.getString("status")),
                row.getInteger("attempts"), instant(row.getOffsetDateTime("pending_since")),
                instant(row.getOffsetDateTime("next_attempt_at")), instant(row.getOffsetDateTime("last_attempt_at")),
                row.getInteger("last_status"), row.getString("last_error"), instant(row.getOffsetDateTime("delivered_at")),
                instant(row.getOffsetDateTime("dead_at")));
    }

    private static String clip(String error) {
        return error == null || error.length() <= MAX_ERROR ? error : error.substring(0, MAX_ERROR - 1) + "…";
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
