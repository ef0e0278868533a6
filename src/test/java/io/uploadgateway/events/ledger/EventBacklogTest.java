package io.uploadgateway.events.ledger;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.events.Backlog;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestStack;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dispatcher's backlog gauge (docs/benchmarks.md, "The ledger at scale", finding 5): three
 * scalar subqueries, each a range of its own status, so that the dead events are counted from the
 * index and only the pending ones are read for {@code pending_since}; and the numbers it answers.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
class EventBacklogTest {

    private static final String INSERT = """
            insert into events (id, subject, type, payload, occurred_at, status, pending_since, dead_at)
            values (?, ?, 'upload.created', '{}', ?, ?, ?, ?)""";

    @Inject
    EventLedger events;

    @Test
    void theBacklogCountsPendingAndDeadAndFindsTheOldestPendingEvent() throws Exception {
        UUID subject = UUID.randomUUID();
        Backlog before = events.backlog().await().atMost(Duration.ofSeconds(30));
        Instant oldest = Instant.parse("1999-12-31T23:59:59.123456Z"); // older than any event another test writes
        try (Connection db = Ledger.connect()) {
            try {
                insert(db, subject, "pending", oldest.plusSeconds(60));
                insert(db, subject, "pending", oldest);
                insert(db, subject, "pending", oldest.plusSeconds(120));
                insert(db, subject, "dead", oldest);
                insert(db, subject, "dead", oldest);
                insert(db, subject, "delivered", oldest.minusSeconds(1));
                insert(db, subject, "skipped", oldest.minusSeconds(1));

                Backlog after = events.backlog().await().atMost(Duration.ofSeconds(30));
                assertEquals(before.pending() + 3, after.pending());
                assertEquals(before.dead() + 2, after.dead());
                assertEquals(oldest, after.oldestPendingSince(), "delivered and skipped events do not count");
            } finally {
                try (PreparedStatement ps = db.prepareStatement("delete from events where subject = ?")) {
                    ps.setObject(1, subject);
                    ps.executeUpdate();
                }
            }
        }
    }

    /**
     * On 60,000 events (inserted and analysed in a transaction that is rolled back): one InitPlan per
     * number, each bounded to its status by an index condition; no scan takes both statuses at once.
     */
    @Test
    void eachNumberIsItsOwnRangeOfItsStatus() throws Exception {
        try (Connection db = Ledger.connect()) {
            db.setAutoCommit(false);
            try (Statement st = db.createStatement()) {
                st.executeUpdate("""
                        insert into events (id, subject, type, payload, occurred_at, status, pending_since, dead_at, delivered_at)
                        select gen_random_uuid(), gen_random_uuid(), 'upload.created', '{}', now(), s.status, now(),
                               case when s.status = 'dead' then now() end, case when s.status = 'delivered' then now() end
                        from generate_series(1, 60000) as i,
                             lateral (select case when i % 20 = 0 then 'pending' when i % 20 = 1 then 'dead'
                                                  else 'delivered' end as status) s""");
                st.execute("analyze events");
                StringBuilder plan = new StringBuilder();
                try (ResultSet rs = st.executeQuery("explain (analyze, costs off) " + EventLedger.BACKLOG)) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
                System.out.println("EventLedger.backlog on 60,000 events:\n" + plan);
                String text = plan.toString();
                assertEquals(3, text.lines().filter(line -> line.contains("InitPlan")).count(), text);
                assertFalse(text.contains("Seq Scan"), text);
                assertFalse(text.contains("ANY"), "no scan reads pending and dead events together:\n" + text);
                assertTrue(text.lines().filter(line -> line.contains("Index Cond") || line.contains("Recheck Cond"))
                        .allMatch(line -> line.contains("'pending'") != line.contains("'dead'")), text);
            } finally {
                db.rollback();
            }
        }
    }

    private static void insert(Connection db, UUID subject, String status, Instant since) throws Exception {
        try (PreparedStatement ps = db.prepareStatement(INSERT)) {
            ps.setObject(1, UUID.randomUUID());
            ps.setObject(2, subject);
            ps.setObject(3, since.atOffset(ZoneOffset.UTC));
            ps.setString(4, status);
            ps.setObject(5, since.atOffset(ZoneOffset.UTC));
            ps.setObject(6, status.equals("dead") ? since.atOffset(ZoneOffset.UTC) : null);
            ps.executeUpdate();
        }
    }
}
