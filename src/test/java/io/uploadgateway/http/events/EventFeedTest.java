package io.uploadgateway.http.events;

import io.uploadgateway.events.FeedCursor;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import io.uploadgateway.events.delivery.Retention;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

/**
 * The outbox with webhooks off (the default): every state change is still an event, served by the
 * pull feed in an order that never skips a transaction that commits late; operators see them as
 * {@code skipped}; retention prunes what is done and never what waits.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
class EventFeedTest {

    @Inject
    Retention retention;

    @Test
    void everyStateChangeIsInTheFeedEvenWithWebhooksOff() {
        String end = feedEnd();
        Gateway client = Gateway.as("feed-" + UUID.randomUUID().toString().substring(0, 8));
        String id = client.start("fed.bin", 100, null).getString("id");
        client.uploadPart(id, 1, Bytes.random(100, 21));
        client.complete(id).then().statusCode(200);
        String other = client.start("gone.bin", 100, null).getString("id");
        client.abort(other).then().statusCode(204);

        // limit=1: the cursor walks one event at a time. Other work on the shared ledger (the
        // janitor, earlier tests' uploads) may add events, and a transaction still running holds
        // the feed's horizon back: an empty page then keeps the cursor, and the walk goes on.
        List<Map<String, Object>> items = new ArrayList<>();
        AtomicReference<String> cursor = new AtomicReference<>(end);
        List<String> walked = new ArrayList<>();
        await("four events walked").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).pollDelay(Duration.ZERO)
                .until(() -> {
                    JsonPath answer = feed(cursor.get(), 1);
                    items.addAll(answer.getList("items"));
                    walked.add(answer.getList("items").stream().map(i -> ((Map<?, ?>) i).get("type") + "/" + dataId((Map<?, ?>) i))
                            .toList() + "→" + (answer.getString("nextCursor") == null ? null
                            : FeedCursor.parse(answer.getString("nextCursor"))));
                    assertNotNull(answer.getString("nextCursor"));
                    if (answer.getList("items").isEmpty()) {
                        assertEquals(cursor.get(), answer.getString("nextCursor"), "an empty page keeps the cursor");
                    }
                    cursor.set(answer.getString("nextCursor"));
                    return mine(items, id, other).size() >= 4;
                });
        List<String> mine = mine(items, id, other);
        assertEquals(List.of(id + " upload.created", id + " upload.completed", other + " upload.created", other + " upload.aborted"), mine,
                () -> "walked from " + FeedCursor.parse(end) + " through " + walked + "; in the ledger: " + rowsOf(id, other));
        Map<String, Object> completed = items.stream().filter(i -> "upload.completed".equals(i.get("type")) && id.equals(dataId(i)))
                .findFirst().orElseThrow();
        assertNotNull(completed.get("id"));
        assertNotNull(Instant.parse((String) completed.get("timestamp")));
        assertEquals("COMPLETED", data(completed).get("state"));
        assertEquals(TestStack.BUCKET, data(completed).get("bucket"));

        // With webhooks off nothing waits for delivery, and nothing can be redelivered.
        String eventId = (String) completed.get("id");
        admin().get("/api/v1/admin/events/" + eventId).then().statusCode(200).body("status", equalTo("skipped"))
                .body("payload.data.id", equalTo(id));
        admin().post("/api/v1/admin/events/" + eventId + "/redeliver").then().statusCode(409).body("code", equalTo("webhooks_off"));
        admin().get("/api/v1/admin/stats").then().statusCode(200)
                .body("events.webhooks", equalTo(false)).body("events.pending", equalTo(0));
    }

    @Test
    void theFeedIsForTheServiceGroupAndRefusesCursorsItDidNotIssue() {
        Gateway.as("curious-user").api().get("/api/v1/events").then().statusCode(403).body("code", equalTo("forbidden"));
        io.restassured.RestAssured.given().accept("application/json").get("/api/v1/events").then().statusCode(401);
        service().queryParam("after", "not-a-cursor").get("/api/v1/events").then().statusCode(400)
                .body("code", equalTo("invalid_request"));
        service().queryParam("limit", 0).get("/api/v1/events").then().statusCode(400).body("code", equalTo("invalid_request"));
    }

    /**
     * The outbox gotcha: sequence numbers are handed out when rows are written, not when they
     * commit. A transaction that took a lower number but commits after a higher one was read is
     * skipped by a reader paging by the number. The feed holds back every event of transactions
     * younger than the oldest one still running, so it serves both, once, in order.
     */
    @Test
    void theFeedNeverSkipsAnEventWhoseTransactionCommitsLate() throws Exception {
        String end = feedEnd();
        UUID lateEvent = UUID.randomUUID();
        UUID lateUpload = UUID.randomUUID();
        Gateway client = Gateway.as("late-" + UUID.randomUUID().toString().substring(0, 8));
        String onTime;
        try (Connection late = Ledger.connect()) {
            late.setAutoCommit(false);
            try (PreparedStatement insert = late.prepareStatement("insert into events (id, subject, type, payload, occurred_at,"
                    + " status) values (?::uuid, ?::uuid, 'upload.created', ?::json, now(), 'skipped')")) {
                insert.setString(1, lateEvent.toString());
                insert.setString(2, lateUpload.toString());
                insert.setString(3, "{\"type\":\"upload.created\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{\"id\":\""
                        + lateUpload + "\"}}");
                insert.executeUpdate();
            }
            // Meanwhile a create commits, with a higher sequence number.
            onTime = client.start("on-time.bin", 100, null).getString("id");
            long lateSeq = seqOf("id = '" + lateEvent + "'", late);
            long onTimeSeq;
            try (Connection other = Ledger.connect()) {
                onTimeSeq = seqOf("subject = '" + onTime + "'", other);
                List<String> bySeq = ids(other, "select subject::text from events where seq > " + (lateSeq - 1) + " order by seq");
                assertEquals(List.of(onTime), bySeq, "committed and visible to everyone; the late one is not (yet)");
            }
            assertTrue(lateSeq < onTimeSeq, "the late transaction holds the lower sequence number");

            JsonPath meanwhile = feed(end, 1000);
            assertFalse(meanwhile.getList("items", Map.class).stream().anyMatch(i -> onTime.equals(dataId(i))),
                    "the feed holds the committed event back while an older transaction may still commit before it");
            late.commit();
        }

        List<Map<String, Object>> served = new ArrayList<>();
        AtomicReference<String> walkedTo = new AtomicReference<>(end);
        await("the on-time event served").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).pollDelay(Duration.ZERO)
                .until(() -> {
                    JsonPath page = feed(walkedTo.get(), 1000);
                    served.addAll(page.getList("items"));
                    walkedTo.set(page.getString("nextCursor"));
                    return served.stream().anyMatch(i -> onTime.equals(dataId(i)));
                });
        String cursor = walkedTo.get();
        List<String> order = served.stream().map(EventFeedTest::dataId)
                .filter(d -> d.equals(lateUpload.toString()) || d.equals(onTime)).toList();
        assertEquals(List.of(lateUpload.toString(), onTime), order, "both, once each, the earlier transaction first");
        assertTrue(feed(cursor, 1000).getList("items", Map.class).stream()
                .noneMatch(i -> Set.of(lateUpload.toString(), onTime).contains(dataId(i))), "nothing is served twice");
    }

    /**
     * Transaction ids order as numbers, not as text: a walk across a power of ten (9 → 10, as 999
     * → 1000 in a long-running ledger) serves both, the lower first. Sorting by the text form
     * once served '10' first and a cursor walk then skipped '9' for good.
     */
    @Test
    void theFeedOrdersTransactionIdsAsNumbers() throws Exception {
        UUID upload = UUID.randomUUID();
        try (Connection db = Ledger.connect()) {
            for (String txid : List.of("10", "9")) {
                try (PreparedStatement insert = db.prepareStatement("insert into events (id, subject, type, payload, occurred_at,"
                        + " status, txid) values (?::uuid, ?::uuid, 'upload.created', ?::json, now(), 'skipped', ?::xid8)")) {
                    insert.setString(1, UUID.randomUUID().toString());
                    insert.setString(2, upload.toString());
                    insert.setString(3, "{\"type\":\"upload.created\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{\"id\":\""
                            + upload + "\",\"txid\":" + txid + "}}");
                    insert.setString(4, txid);
                    insert.executeUpdate();
                }
            }
            try {
                String cursor = new FeedCursor(java.math.BigInteger.valueOf(8), 0).encode();
                List<Object> served = new ArrayList<>();
                for (int page = 0; page < 2; page++) {
                    JsonPath answer = feed(cursor, 1);
                    served.add(answer.get("items[0].data.txid"));
                    cursor = answer.getString("nextCursor");
                }
                assertEquals(List.of(9, 10), served);
            } finally {
                try (PreparedStatement cleanup = db.prepareStatement("delete from events where subject = ?::uuid")) {
                    cleanup.setString(1, upload.toString());
                    cleanup.executeUpdate();
                }
            }
        }
    }

    @Test
    void retentionPrunesDeliveredSkippedAndOldDeadEventsButNeverPendingOnes() throws Exception {
        UUID upload = UUID.randomUUID();
        Map<String, String> rows = Map.of(
                "delivered-long-ago", "'delivered', delivered_at = now() - interval '8 days'",
                "delivered-recently", "'delivered', delivered_at = now() - interval '1 day'",
                "skipped-long-ago", "'skipped'",
                "pending-long-ago", "'pending'",
                "dead-long-ago", "'dead', dead_at = now() - interval '31 days'",
                "dead-recently", "'dead', dead_at = now() - interval '8 days'");
        Map<String, UUID> ids = new java.util.HashMap<>();
        try (Connection db = Ledger.connect()) {
            for (var row : rows.entrySet()) {
                UUID id = UUID.randomUUID();
                ids.put(row.getKey(), id);
                try (PreparedStatement insert = db.prepareStatement("insert into events (id, subject, type, payload, occurred_at,"
                        + " status) values (?::uuid, ?::uuid, 'upload.created', '{}'::json, now() - interval '40 days', 'skipped')")) {
                    insert.setString(1, id.toString());
                    insert.setString(2, upload.toString());
                    insert.executeUpdate();
                }
                try (PreparedStatement set = db.prepareStatement("update events set status = " + row.getValue()
                        + " where id = ?::uuid")) {
                    set.setString(1, id.toString());
                    set.executeUpdate();
                }
            }
            assertTrue(retention.prune().await().atMost(Duration.ofSeconds(30)) >= 3);
            List<String> left = ids(db, "select id::text from events where subject = '" + upload + "'");
            List<String> expected = List.of("delivered-recently", "pending-long-ago", "dead-recently").stream()
                    .map(name -> ids.get(name).toString()).sorted().toList();
            assertEquals(expected, left.stream().sorted().toList());
            try (PreparedStatement cleanup = db.prepareStatement("delete from events where subject = ?::uuid")) {
                cleanup.setString(1, upload.toString());
                cleanup.executeUpdate();
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The events of these uploads as stored: seq, txid, type, status (for a failure's message). */
    private static String rowsOf(String... uploads) {
        try (Connection db = Ledger.connect()) {
            return ids(db, "select seq || ' ' || txid::text || ' ' || type || ' ' || status from events where subject in ('"
                    + String.join("','", uploads) + "') order by seq")
                    + " horizon " + ids(db, "select pg_snapshot_xmin(pg_current_snapshot())::text");
        } catch (Exception e) {
            return "unreadable: " + e;
        }
    }

    private static List<String> mine(List<Map<String, Object>> items, String... uploads) {
        return items.stream().filter(item -> Set.of(uploads).contains(dataId(item)))
                .map(item -> dataId(item) + " " + item.get("type")).toList();
    }

    private static RequestSpecification service() {
        return Gateway.withToken(Tokens.sign("billing-service", Set.of(TestStack.FEED_GROUP), Instant.now().plusSeconds(3600), TestStack.ISSUER)).api();
    }

    private static RequestSpecification admin() {
        return Gateway.withToken(Tokens.forAdmin("ops")).api();
    }

    private static JsonPath feed(String after, int limit) {
        RequestSpecification request = service().queryParam("limit", limit);
        if (after != null) {
            request.queryParam("after", after);
        }
        return request.get("/api/v1/events").then().statusCode(200).extract().jsonPath();
    }

    /** The cursor at the current end of the feed. */
    private static String feedEnd() {
        String cursor = null;
        while (true) {
            JsonPath page = feed(cursor, 1000);
            cursor = page.getString("nextCursor");
            if (!page.getBoolean("more")) {
                return cursor;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(Map<String, Object> item) {
        return (Map<String, Object>) item.get("data");
    }

    private static String dataId(Map<?, ?> item) {
        Object data = item.get("data");
        return data instanceof Map<?, ?> map ? String.valueOf(map.get("id")) : "";
    }

    private static long seqOf(String where, Connection db) throws Exception {
        try (PreparedStatement query = db.prepareStatement("select seq from events where " + where);
             ResultSet rows = query.executeQuery()) {
            assertTrue(rows.next(), "no event where " + where);
            return rows.getLong(1);
        }
    }

    private static List<String> ids(Connection db, String sql) throws Exception {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement query = db.prepareStatement(sql); ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                ids.add(rows.getString(1));
            }
        }
        return ids;
    }
}
