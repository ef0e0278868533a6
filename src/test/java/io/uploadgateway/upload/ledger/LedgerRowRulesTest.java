package io.uploadgateway.upload.ledger;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The rules every row of {@code uploads} and {@code events} keeps, as PostgreSQL enforces them
 * (V15: one checked function per table, where there were fourteen CHECK constraints): each rule is
 * broken by one row that is otherwise right, and refused with {@code check_violation}; the rows the
 * gateway writes pass. Inside one transaction, rolled back.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
class LedgerRowRulesTest {

    private static final String CHECK_VIOLATION = "23514";

    private static Connection db;

    @BeforeAll
    static void begin() throws SQLException {
        db = Ledger.connect();
        db.setAutoCommit(false);
    }

    @AfterAll
    static void rollBack() throws SQLException {
        db.rollback();
        db.close();
    }

    /** A planned upload as CreateLedger writes it, in SQL literals; each case changes a few columns. */
    private static Map<String, String> planned() {
        Map<String, String> row = new LinkedHashMap<>();
        UUID id = UUID.randomUUID();
        row.put("id", "'" + id + "'");
        row.put("owner", "'row-rules'");
        row.put("kind", "'PLANNED'");
        row.put("state", "'UPLOADING'");
        row.put("store", "'default'");
        row.put("object_key", "'row-rules/" + id + "/f.bin'");
        row.put("s3_upload_id", "'mpu-" + id + "'");
        row.put("staging_key", "null");
        row.put("filename", "'f.bin'");
        row.put("content_type", "'application/octet-stream'");
        row.put("size", "20971520");
        row.put("part_size", "10485760");
        row.put("part_count", "2");
        row.put("reserved_bytes", "20971520");
        row.put("checksum_algorithm", "null");
        row.put("created_at", "now()");
        row.put("updated_at", "now()");
        row.put("last_activity_at", "now()");
        row.put("ended_at", "null");
        return row;
    }

    private static Map<String, String> openSized() {
        return with(planned(), "kind", "'OPEN_SIZED'", "size", "null", "part_size", "null", "part_count", "null",
                "reserved_bytes", "0");
    }

    private static Map<String, String> singleRequest() {
        return with(planned(), "kind", "'SINGLE_REQUEST'", "s3_upload_id", "null", "staging_key", "'staging/x'",
                "size", "0", "part_size", "null", "part_count", "null");
    }

    private static Map<String, String> with(Map<String, String> row, String... columnsAndValues) {
        for (int i = 0; i < columnsAndValues.length; i += 2) {
            row.put(columnsAndValues[i], columnsAndValues[i + 1]);
        }
        return row;
    }

    @Test
    void rowsOfEveryKindAndStageTheGatewayWritesPass() throws SQLException {
        for (Map<String, String> row : List.of(planned(), openSized(), singleRequest(),
                with(planned(), "checksum_algorithm", "'CRC32C'"),
                with(openSized(), "size", "7"),
                with(planned(), "state", "'COMPLETING'", "claim_token", "gen_random_uuid()", "claimed_at", "now()",
                        "claimed_for", "'COMPLETED'"),
                with(planned(), "state", "'COMPLETED'", "ended_at", "now()", "parts_pruned_at", "now()"),
                with(planned(), "state", "'PROCESSING'", "ended_at", "now()"),
                with(singleRequest(), "state", "'QUARANTINED'", "ended_at", "now()"))) {
            insert(row);
        }
    }

    @Test
    void eachRuleOfAnUploadRowRefusesTheRowThatBreaksIt() {
        Map<String, Map<String, String>> broken = new LinkedHashMap<>();
        broken.put("store name", with(planned(), "store", "'Other Store'"));
        // Ended, so that only the list of states refuses it (an open row would break the ended rule too).
        broken.put("unknown state", with(planned(), "state", "'LOST'", "ended_at", "now()"));
        broken.put("ended while open", with(planned(), "ended_at", "now()"));
        broken.put("finished without ended_at", with(planned(), "state", "'COMPLETED'"));
        broken.put("parts pruned while open", with(planned(), "parts_pruned_at", "now()"));
        broken.put("unknown checksum", with(planned(), "checksum_algorithm", "'MD5'"));
        broken.put("claimed for a state no claim ends in", with(planned(), "state", "'COMPLETING'",
                "claim_token", "gen_random_uuid()", "claimed_at", "now()", "claimed_for", "'UPLOADING'"));
        broken.put("claim without its time", with(planned(), "claim_token", "gen_random_uuid()", "claimed_for", "'ABORTED'"));
        broken.put("claim without its ending", with(planned(), "claim_token", "gen_random_uuid()", "claimed_at", "now()"));
        broken.put("no parts", with(planned(), "part_count", "0"));
        broken.put("more parts than S3 allows", with(planned(), "part_count", "10001"));
        broken.put("empty parts", with(planned(), "part_size", "0"));
        broken.put("negative reservation", with(planned(), "reserved_bytes", "-1"));
        broken.put("unknown kind", with(planned(), "kind", "'STREAMED'"));
        broken.put("planned without a multipart upload", with(planned(), "s3_upload_id", "null"));
        broken.put("planned with a staging key", with(planned(), "staging_key", "'staging/x'"));
        broken.put("planned of no bytes", with(planned(), "size", "0"));
        broken.put("planned without a plan", with(planned(), "part_size", "null", "part_count", "null"));
        broken.put("open-sized with a plan", with(openSized(), "part_size", "10485760", "part_count", "2"));
        broken.put("open-sized of no bytes", with(openSized(), "size", "0"));
        broken.put("open-sized without a multipart upload", with(openSized(), "s3_upload_id", "null"));
        broken.put("single request with a multipart upload", with(singleRequest(), "s3_upload_id", "'mpu-x'"));
        broken.put("single request without a staging key", with(singleRequest(), "staging_key", "null"));
        broken.put("single request of negative size", with(singleRequest(), "size", "-1"));
        assertAll(broken.entrySet().stream().map(rule -> () -> assertRefused(rule.getKey(), () -> insert(rule.getValue()))));
    }

    @Test
    void anUpdateThatBreaksARuleIsRefusedToo() throws SQLException {
        Map<String, String> row = planned();
        insert(row);
        assertRefused("finished without ended_at", () -> execute("update uploads set state = 'COMPLETED' where id = " + row.get("id")));
        assertRefused("claim without its ending", () -> execute("update uploads set claim_token = gen_random_uuid(), claimed_at = now()"
                + " where id = " + row.get("id")));
    }

    @Test
    void eachRuleOfAnEventRowRefusesTheRowThatBreaksIt() throws SQLException {
        String event = "insert into events (id, subject, type, payload, occurred_at, status, lease_holder, lease_until)"
                + " values (gen_random_uuid(), gen_random_uuid(), 'upload.created', '{}', now(), %s, %s, %s)";
        execute(event.formatted("'pending'", "null", "null"));
        execute(event.formatted("'pending'", "gen_random_uuid()", "now()"));
        assertRefused("unknown status", () -> execute(event.formatted("'sent'", "null", "null")));
        assertRefused("lease without its end", () -> execute(event.formatted("'pending'", "gen_random_uuid()", "null")));
        assertRefused("lease end without its holder", () -> execute(event.formatted("'pending'", "null", "now()")));
    }

    /** {@code write} fails with check_violation; the transaction goes on (a savepoint around it). */
    private static void assertRefused(String rule, Executable write) {
        try {
            Savepoint before = db.setSavepoint();
            SQLException refused = assertThrows(SQLException.class, write, rule + ": written");
            assertEquals(CHECK_VIOLATION, refused.getSQLState(), rule + ": " + refused.getMessage());
            db.rollback(before);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void insert(Map<String, String> row) throws SQLException {
        execute("insert into uploads (" + String.join(", ", row.keySet()) + ") values (" + String.join(", ", row.values()) + ")");
    }

    private static void execute(String sql) throws SQLException {
        try (Statement statement = db.createStatement()) {
            statement.executeUpdate(sql);
        }
    }
}
