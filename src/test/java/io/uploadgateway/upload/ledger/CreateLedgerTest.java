package io.uploadgateway.upload.ledger;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.vertx.RunOnVertxContext;
import io.quarkus.test.vertx.UniAsserter;
import io.uploadgateway.events.EventStatus;
import io.uploadgateway.events.NewEvent;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.storage.presign.ChecksumAlgorithm;
import io.uploadgateway.support.NewUploads;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.upload.ObjectKeys;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A create's ledger work on the SQL client, read back through the ORM that every later step uses. */
@QuarkusTest
@WithTestResource(TestStack.class)
class CreateLedgerTest {

    @Inject
    CreateLedger creates;

    @Inject
    UploadLedger ledger;

    @Inject
    Pool pool;

    /**
     * Every persistent field of {@link Upload} (Panache makes them private behind accessors; the
     * ORM's own enhancement fields start with {@code $$}): a column added to the entity but not to
     * the insert forgets, while a new upload sets it, fails here.
     */
    private static final List<Field> COLUMNS = Arrays.stream(Upload.class.getDeclaredFields())
            .filter(field -> !Modifier.isStatic(field.getModifiers()) && !Modifier.isTransient(field.getModifiers())
                    && !field.getName().startsWith("$$"))
            .peek(field -> field.setAccessible(true)).toList();

    @Test
    @RunOnVertxContext
    void everyKindOfUploadReadsBackThroughTheOrmExactlyAsItWasRecorded(UniAsserter asserter) {
        String owner = "create-ledger-" + UUID.randomUUID();
        UUID id = UUID.randomUUID();
        var file = new Upload.NewFile(id, owner, "eu-west", ObjectKeys.forUpload("uploads/", owner, id, "clip ü.mov"), "clip ü.mov",
                "video/quicktime", Map.of("camera", "A", "take", "7"));
        Upload planned = Upload.planned(file, "mpu-" + UUID.randomUUID(), PartPlan.of(100L << 20, null, 16L << 20, PartPlan.MAX_OBJECT_SIZE),
                "key-" + id, ChecksumAlgorithm.values()[0], true, Duration.ofMinutes(2), NewUploads.now(), Duration.ofDays(7));
        for (Upload upload : List.of(planned, NewUploads.openSized(owner), NewUploads.singleRequest(owner, 1000))) {
            asserter.execute(() -> creates.record(upload, created(upload), null));
            asserter.assertThat(() -> ledger.session(() -> ledger.find(Scope.operator(), upload.id)), read -> {
                for (Field column : COLUMNS) {
                    try {
                        assertEquals(column.get(upload), column.get(read), upload.kind + ": " + column.getName());
                    } catch (IllegalAccessException e) {
                        throw new AssertionError(e);
                    }
                }
            });
            asserter.assertThat(() -> events(upload.id), count -> assertEquals(1L, count, "one upload.created event"));
        }
        asserter.execute(() -> assertTrue(COLUMNS.size() >= 35, "found the entity's fields: " + COLUMNS.stream().map(Field::getName).toList()));
    }

    @Test
    @RunOnVertxContext
    void aQuotaRefusedUnderTheOwnersLockLeavesNeitherRowNorEvent(UniAsserter asserter) {
        String owner = "create-ledger-full-" + UUID.randomUUID();
        Upload first = NewUploads.planned(owner, 100);
        Upload second = NewUploads.planned(owner, 100);
        // The owner may have one open upload: the first fits, the second is refused in the transaction.
        QuotaLedger.Check oneAtMost = new QuotaLedger.Check(owner, usage -> {
            if (usage.activeUploads() >= 1) {
                throw ErrorCode.QUOTA_EXCEEDED.problem("one open upload at most");
            }
        });
        asserter.execute(() -> creates.record(first, created(first), oneAtMost));
        asserter.assertFailedWith(() -> creates.record(second, created(second), oneAtMost),
                failure -> assertEquals(ErrorCode.QUOTA_EXCEEDED, assertInstanceOf(ApiProblem.class, failure).error()));
        asserter.assertThat(() -> creates.usage(owner), usage -> {
            assertEquals(1, usage.activeUploads());
            assertEquals(100, usage.bytesInFlight());
        });
        asserter.assertThat(() -> events(second.id), count -> assertEquals(0L, count, "the refused upload's event rolled back"));
        asserter.assertThat(() -> rows(second.id), count -> assertEquals(0L, count));
    }

    @Test
    @RunOnVertxContext
    void anEventThatCannotBeWrittenTakesItsRowWithItOnTheOneStatementPath(UniAsserter asserter) {
        // No quota check: the row and its event are one statement, no transaction around them. The
        // second upload's event reuses the first's id: the event fails after the row was inserted.
        String owner = "create-ledger-atomic-" + UUID.randomUUID();
        Upload first = NewUploads.planned(owner, 100);
        Upload second = NewUploads.planned(owner, 100);
        NewEvent firstEvent = created(first);
        NewEvent clash = new NewEvent(firstEvent.id(), second.id, "upload.created", "{}", second.createdAt, EventStatus.SKIPPED);
        asserter.execute(() -> creates.record(first, firstEvent, null));
        asserter.assertFailedWith(() -> creates.record(second, clash, null),
                failure -> assertTrue(String.valueOf(failure.getMessage()).contains("duplicate key"), String.valueOf(failure)));
        asserter.assertThat(() -> rows(second.id), count -> assertEquals(0L, count, "the row went with its event"));
        asserter.assertThat(() -> events(first.id), count -> assertEquals(1L, count));
    }

    private static NewEvent created(Upload upload) {
        return new NewEvent(UUID.randomUUID(), upload.id, "upload.created", "{\"type\":\"upload.created\"}", upload.createdAt,
                EventStatus.SKIPPED);
    }

    private io.smallrye.mutiny.Uni<Long> events(UUID subject) {
        return count("select count(*) from events where subject = $1", subject);
    }

    private io.smallrye.mutiny.Uni<Long> rows(UUID upload) {
        return count("select count(*) from uploads where id = $1", upload);
    }

    private io.smallrye.mutiny.Uni<Long> count(String sql, UUID id) {
        return pool.preparedQuery(sql).execute(Tuple.of(id)).map(rows -> rows.iterator().next().getLong(0));
    }
}
