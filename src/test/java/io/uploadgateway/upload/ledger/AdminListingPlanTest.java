package io.uploadgateway.upload.ledger;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.support.Plans;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.upload.UploadState;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin listing is an index range scan, not a table scan, on a ledger of 100,000 uploads:
 * the exact SQL the gateway runs is EXPLAINed with PostgreSQL's planner (rows are inserted and
 * analysed inside a transaction that is rolled back, so other tests never see them).
 */
@QuarkusTest
@WithTestResource(TestStack.class)
class AdminListingPlanTest {


    @Test
    void everyFilterCombinationUsesAnIndex() throws Exception {
        Instant now = Instant.now();
        Keyset cursor = new Keyset(now.minusSeconds(7200), UUID.randomUUID());
        List<AdminListing.Filter> filters = List.of(
                new AdminListing.Filter(UploadState.UPLOADING, now.minusSeconds(3600), null, null, 50),   // stalled=true
                new AdminListing.Filter(UploadState.UPLOADING, now.minusSeconds(3600), null, cursor, 50), // next page
                new AdminListing.Filter(UploadState.UPLOADING, now.minusSeconds(3600), "owner-7", null, 50),
                new AdminListing.Filter(UploadState.COMPLETED, null, null, null, 500),
                new AdminListing.Filter(null, now.minusSeconds(86_400), null, null, 50),                 // idleLongerThan only
                new AdminListing.Filter(null, null, "owner-42", null, 50),
                new AdminListing.Filter(null, null, null, null, 50));

        try (Connection db = Ledger.connect()) {
            db.setAutoCommit(false);
            try (Statement st = db.createStatement()) {
                // 100,000 uploads over 1,000 owners: 5 % UPLOADING, the rest finished, activity spread over 30 days.
                st.executeUpdate("""
                        insert into uploads (id, owner, kind, state, object_key, s3_upload_id, filename, content_type, size,
                                             part_size, part_count, created_at, updated_at, last_activity_at, ended_at)
                        select gen_random_uuid(), 'owner-' || (i % 1000), 'PLANNED',
                               case when i % 20 = 0 then 'UPLOADING' when i % 20 = 1 then 'ABORTED' else 'COMPLETED' end,
                               'plan-test/' || i, 'mpu-' || i, 'f' || i || '.bin', 'application/octet-stream',
                               1000, 16777216, 1,
                               now() - (i % 43200) * interval '1 minute', now(), now() - (i % 43200) * interval '1 minute',
                               case when i % 20 = 0 then null else now() end
                        from generate_series(1, 100000) as i""");
                st.execute("analyze uploads");
            }
            List<String> plans = new ArrayList<>();
            for (AdminListing.Filter filter : filters) {
                String plan = explain(db, AdminListing.of(filter));
                plans.add(plan);
                assertFalse(plan.contains("Seq Scan"), "sequential scan for " + filter + ":\n" + plan);
                assertTrue(plan.contains("Index"), "no index for " + filter + ":\n" + plan);
            }
            System.out.println("Admin listing plans on 100,000 uploads:\n" + String.join("\n---\n", plans));
            db.rollback();
        }
    }

    private static String explain(Connection db, AdminListing query) throws Exception {
        return Plans.explain(db, "", query.sql(), query.parameters());
    }
}
