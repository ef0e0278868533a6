package io.uploadgateway.drills;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.embedded.EmbeddedStack;
import io.uploadgateway.support.FaultyS3;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import io.uploadgateway.upload.ObjectKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A create whose client goes away mid-way (the tab closed, the phone lost its network): while
 * CreateMultipartUpload is in flight (the proxy delays it), and while the ledger transaction waits
 * (another session holds the owner's quota lock). Either way the gateway finishes what it started:
 * every multipart upload in storage has its ledger row and every row its multipart upload, and
 * nothing is logged at ERROR (the create once logged Hibernate Reactive's "non-threadsafe access
 * to session" and left the S3 upload without a row).
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.S3, value = "faulty"),
        @ResourceArg(name = TestStack.OWN, value = "cancelled-create")})
class CancelledCreateDrillTest {

    private static final int CANCELLED = 6;
    private static final Duration S3_DELAY = Duration.ofMillis(800);

    FaultyS3 s3;

    EmbeddedStack stack;

    @TestHTTPResource("/")
    URI base;

    private final List<LogRecord> errors = new ArrayList<>();
    private final Handler collector = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                synchronized (errors) {
                    errors.add(record);
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void collectErrors() {
        Logger.getLogger("").addHandler(collector);
    }

    @AfterEach
    void stopCollecting() {
        Logger.getLogger("").removeHandler(collector);
        s3.reset();
    }

    @Test
    void aClientThatLeavesMidCreateLeavesNoOrphanNoHalfRowAndNoError() throws Exception {
        String owner = "leaver-" + UUID.randomUUID();
        String token = Tokens.forUser(owner);

        // Gone while S3 creates the multipart upload.
        s3.rule(FaultyS3.kind("CreateMultipartUpload"), FaultyS3.Action.delay(S3_DELAY));
        for (int i = 0; i < CANCELLED; i++) {
            long before = s3.count("CreateMultipartUpload");
            try (Socket socket = sendCreate(token, "gone-during-s3-" + i + ".bin")) {
                s3.await("the create reached S3", seen -> seen.stream()
                        .filter(r -> r.kind().equals("CreateMultipartUpload")).count() > before, Duration.ofSeconds(10));
            }
        }
        s3.clearRules();

        // Gone while the ledger transaction waits for the owner's quota lock.
        Gateway admin = Gateway.withToken(Tokens.forAdmin("cancel-operator"));
        admin.api().body(Map.of("maxActiveUploads", 1000)).put("/api/v1/admin/quotas/" + owner).then().statusCode(200);
        try (Connection holder = Ledger.connect()) {
            lockOwner(holder, owner, true);
            for (int i = 0; i < 3; i++) {
                try (Socket socket = sendCreate(token, "gone-during-transaction-" + i + ".bin")) {
                    int waiting = i + 1;
                    await("create " + waiting + " waits on the owner's lock").atMost(Duration.ofSeconds(10))
                            .until(() -> lockWaiters() >= waiting);
                }
            }
            lockOwner(holder, owner, false);
        }

        // Everything the leavers started ends consistent: row ⇔ multipart upload.
        String prefix = "uploads/" + deployment() + "/" + ObjectKeys.ownerSegment(owner) + "/";
        try (S3Client direct = Drills.directS3(stack)) {
            await("every create the leavers started has finished").atMost(Duration.ofSeconds(20))
                    .until(() -> rows(owner).size() + pending(direct, prefix).size() > 0
                            && lockWaiters() == 0 && rows(owner).equals(pending(direct, prefix)));
            Set<String> rows = rows(owner);
            assertEquals(rows, pending(direct, prefix), "each multipart upload has its row, each row its multipart upload");
            assertEquals(CANCELLED + 3, rows.size(), "a create the gateway started is finished, not half-done");
        }
        Gateway.withToken(token).start("after.bin", 10, null);
        synchronized (errors) {
            assertEquals(List.of(), errors.stream().map(r -> r.getLoggerName() + ": " + r.getMessage()).toList());
        }
    }

    private Socket sendCreate(String token, String filename) throws Exception {
        Socket socket = new Socket(base.getHost(), base.getPort());
        byte[] body = ("{\"filename\":\"" + filename + "\",\"size\":1000}").getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /api/v1/uploads HTTP/1.1\r\nHost: " + base.getHost() + "\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return socket;
    }

    private static void lockOwner(Connection holder, String owner, boolean lock) throws Exception {
        try (PreparedStatement q = holder.prepareStatement(
                "select " + (lock ? "pg_advisory_lock" : "pg_advisory_unlock") + "(hashtextextended(?, 7))")) {
            q.setString(1, owner);
            q.execute();
        }
    }

    private static long lockWaiters() throws Exception {
        return Drills.count("select count(*) from pg_locks where locktype = 'advisory' and not granted");
    }

    private static String deployment() throws Exception {
        try (Connection c = Ledger.connect(); ResultSet rows = c.createStatement().executeQuery("select id from deployment")) {
            assertTrue(rows.next());
            return rows.getString(1);
        }
    }

    private static Set<String> rows(String owner) throws Exception {
        Set<String> ids = new HashSet<>();
        try (Connection c = Ledger.connect();
             PreparedStatement q = c.prepareStatement("select s3_upload_id from uploads where owner = ?")) {
            q.setString(1, owner);
            try (ResultSet rows = q.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getString(1));
                }
            }
        }
        return ids;
    }

    private static Set<String> pending(S3Client s3, String prefix) {
        Set<String> ids = new HashSet<>();
        s3.listMultipartUploadsPaginator(r -> r.bucket(TestStack.BUCKET).prefix(prefix)).uploads().stream()
                .map(MultipartUpload::uploadId).forEach(ids::add);
        return ids;
    }
}
