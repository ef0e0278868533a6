package io.uploadgateway.upload.janitor;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestClock;
import io.uploadgateway.support.TestStack;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.hamcrest.Matchers.emptyIterable;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ledger's retention, run by the janitor against real PostgreSQL and S3 on a stack of its own
 * (it moves time by months): the part rows and part checksums of an upload that ended go after
 * {@code retention.parts} (7 days), the row keeps what a client needs, the object stays
 * downloadable; the row itself goes after {@code retention.uploads} (180 days). Batches of two
 * here, so a pass takes several.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.OWN, value = "retention"),
        @ResourceArg(name = "gateway.retention.batch-size", value = "2")})
class LedgerRetentionTest {

    private static final int MIB = 1024 * 1024;

    @Inject
    Janitor janitor;

    @AfterEach
    void resetClock() {
        TestClock.reset();
    }

    @Test
    void partsOfEndedUploadsGoAfterDaysAndTheirRowsAfterMonths() throws Throwable {
        Gateway client = Gateway.as("keeper-" + UUID.randomUUID());
        byte[] file = Bytes.random(5 * MIB + 1000, 21);
        List<String> completed = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = client.start("kept-" + i + ".bin", file.length, (long) 5 * MIB).getString("id");
            client.uploadPart(id, 1, java.util.Arrays.copyOfRange(file, 0, 5 * MIB));
            client.uploadPart(id, 2, java.util.Arrays.copyOfRange(file, 5 * MIB, file.length));
            client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));
            completed.add(id);
        }
        String aborted = client.start("given-up.bin", 100, null).getString("id");
        client.uploadPart(aborted, 1, new byte[100]);
        client.abort(aborted).then().statusCode(204);
        String open = client.start("still-going.bin", 200, null).getString("id");
        client.uploadPart(open, 1, new byte[200]);
        String etag = client.get(completed.get(0)).then().extract().path("etag");
        checksumRecorded(completed.get(0));

        TestClock.advance(Duration.ofDays(6));
        client.presignResponse(open, List.of(1), null).then().statusCode(200); // a sign of life
        LedgerRetention.Pruned early = sweep().retained();
        assertEquals(0, early.parts(), "within the 7 days nothing goes");
        assertEquals(2, partRows(completed.get(0)));

        TestClock.advance(Duration.ofDays(2));
        client.presignResponse(open, List.of(1), null).then().statusCode(200);
        LedgerRetention.Pruned pruned = sweep().retained();
        assertEquals(3 * 2 + 1, pruned.parts(), "every part row of the four ended uploads, in batches of two");
        assertEquals(0, pruned.uploads());
        for (String id : completed) {
            assertEquals(0, partRows(id));
        }
        assertEquals(0, partRows(aborted));
        assertEquals(0, checksumRows(completed.get(0)), "part checksums go with their parts");
        assertEquals(1, partRows(open), "an open upload keeps its parts");

        // What a client relies on stays: state, size, ETag, counters; the object downloads.
        client.get(completed.get(0)).then().statusCode(200)
                .body("state", equalTo("COMPLETED"))
                .body("size", equalTo(file.length))
                .body("etag", equalTo(etag))
                .body("partsUploaded", equalTo(2))
                .body("parts", emptyIterable())
                .body("missingParts", emptyIterable())
                .body("partsPrunedAt", notNullValue());
        client.get(open).then().statusCode(200).body("parts", hasSize(1)).body("partsPrunedAt", nullValue());
        String url = client.api().get("/api/v1/uploads/" + completed.get(0) + "/download").then().statusCode(200).extract().path("url");
        assertEquals(Bytes.sha256(file), Bytes.sha256(Gateway.download(url).body()));
        client.complete(completed.get(0)).then().statusCode(200).body("state", equalTo("COMPLETED"));

        TestClock.advance(Duration.ofDays(180));
        Janitor.SweepReport late = sweep();
        assertEquals(4, late.retained().uploads(), "the four ended uploads' rows, after 180 days");
        client.get(completed.get(0)).then().statusCode(404);
        client.get(aborted).then().statusCode(404);
        assertTrue(late.expired().contains(open), "idle for 180 days, the open upload expired in the same sweep");
        client.get(open).then().statusCode(200).body("state", equalTo("EXPIRED")).body("parts", hasSize(1));
        assertTrue(eventsOf(completed.get(0)) > 0, "the outbox keeps its own retention");
    }

    private Janitor.SweepReport sweep() throws Throwable {
        Janitor.SweepReport report = VertxContextSupport.subscribeAndAwait(() -> janitor.sweep());
        assertTrue(report.ran());
        return report;
    }

    private static void checksumRecorded(String id) throws Exception {
        try (Connection c = Ledger.connect(); PreparedStatement insert = c.prepareStatement(
                "insert into part_checksums (upload_id, part_number, checksum, signed_at) values (?::uuid, 1, 'AAAA', now())")) {
            insert.setString(1, id);
            insert.executeUpdate();
        }
    }

    private static long partRows(String id) throws Exception {
        return count("select count(*) from upload_parts where upload_id = ?::uuid", id);
    }

    private static long checksumRows(String id) throws Exception {
        return count("select count(*) from part_checksums where upload_id = ?::uuid", id);
    }

    private static long eventsOf(String id) throws Exception {
        return count("select count(*) from events where subject = ?::uuid", id);
    }

    private static long count(String sql, String id) throws Exception {
        try (Connection c = Ledger.connect(); PreparedStatement q = c.prepareStatement(sql)) {
            q.setString(1, id);
            try (ResultSet rows = q.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
