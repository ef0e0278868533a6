package io.uploadgateway.upload.finish;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.vertx.RunOnVertxContext;
import io.quarkus.test.vertx.UniAsserter;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.storage.StorageException;
import io.uploadgateway.support.NewUploads;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.upload.Ending;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.ledger.ClaimLost;
import io.uploadgateway.upload.ledger.UploadLedger;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The claim and the one finishing write against PostgreSQL, below the HTTP API and without
 * storage: what a transition leaves in the ledger and the outbox when its storage work succeeds,
 * fails, or its replica died.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
class FinishTest {

    @Inject
    UploadLedger ledger;

    @Inject
    Transitions transitions;

    @Inject
    Finisher finisher;

    @Inject
    Pool pool;

    @Test
    @RunOnVertxContext
    void aFinishWritesTheStateAndOneEventUnderTheClaimAndNeverTwice(UniAsserter asserter) {
        Upload upload = NewUploads.planned("finish-" + UUID.randomUUID(), 100);
        UUID token = UUID.randomUUID();
        asserter.execute(() -> ledger.transaction(() -> ledger.insert(upload)));
        asserter.execute(() -> claim(upload, UploadState.COMPLETED, token, Duration.ZERO));

        asserter.assertThat(() -> finisher.finish(upload.id, token, Ending.completed("\"e\"", 100), null), done -> {
            assertEquals(UploadState.COMPLETED, done.upload().state);
            assertEquals("\"e\"", done.upload().etag);
            assertNull(done.upload().claimToken);
        });
        // The claim ended with the finish: the same transition finishing again writes nothing.
        asserter.assertFailedWith(() -> finisher.finish(upload.id, token, Ending.completed("\"other\"", 100), null),
                failure -> assertInstanceOf(ClaimLost.class, failure));
        asserter.assertThat(() -> eventsOf(upload.id), types -> assertEquals(List.of("upload.completed"), types));
    }

    @Test
    @RunOnVertxContext
    void aClaimMayEndInAnyFinalStateWithTheEventThatReportsIt(UniAsserter asserter) {
        Upload refused = NewUploads.openSized("finish-refused-" + UUID.randomUUID());
        Upload rejected = NewUploads.planned("finish-rejected-" + UUID.randomUUID(), 100);
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        asserter.execute(() -> ledger.transaction(() -> ledger.insert(refused).chain(() -> ledger.insert(rejected))));
        asserter.execute(() -> claim(refused, UploadState.COMPLETED, first, Duration.ZERO));
        asserter.execute(() -> claim(rejected, UploadState.COMPLETED, second, Duration.ZERO));

        // A completion over the limits ends ABORTED; one whose bytes are not what was declared, REJECTED.
        asserter.assertThat(() -> finisher.finish(refused.id, first, Ending.aborted(), null),
                done -> assertEquals(UploadState.ABORTED, done.upload().state));
        asserter.assertThat(() -> finisher.finish(rejected.id, second, Ending.rejected("application/zip"), null), done -> {
            assertEquals(UploadState.REJECTED, done.upload().state);
            assertEquals("application/zip", done.upload().detectedContentType);
        });
        asserter.assertThat(() -> eventsOf(refused.id), types -> assertEquals(List.of("upload.aborted"), types));
        asserter.assertThat(() -> eventsOf(rejected.id), types -> assertEquals(List.of("upload.rejected"), types));
    }

    @Test
    @RunOnVertxContext
    void aFailedStorageStepGivesTheClaimBack(UniAsserter asserter) {
        Upload upload = NewUploads.planned("finish-failed-" + UUID.randomUUID(), 100);
        asserter.execute(() -> ledger.transaction(() -> ledger.insert(upload)));
        asserter.assertFailedWith(() -> transitions.run(Scope.operator(), upload.id, transition(UploadState.COMPLETED,
                        (claimed, token) -> Uni.createFrom().failure(new StorageException.Unavailable("S3 is down", null)))),
                failure -> assertInstanceOf(StorageException.Unavailable.class, failure));
        asserter.assertThat(() -> ledger.session(() -> ledger.find(Scope.operator(), upload.id)), found -> {
            assertEquals(UploadState.UPLOADING, found.state);
            assertNull(found.claimToken);
        });
        asserter.assertThat(() -> eventsOf(upload.id), types -> assertEquals(List.of(), types));
    }

    @Test
    @RunOnVertxContext
    void aClaimWhoseReplicaDiedIsTakenOverByTheNextTransitionOfItsKind(UniAsserter asserter) {
        Upload upload = NewUploads.planned("finish-stale-" + UUID.randomUUID(), 100);
        UUID dead = UUID.randomUUID();
        asserter.execute(() -> ledger.transaction(() -> ledger.insert(upload)));
        // Claimed for expiry an hour ago (gateway.claims.stale-after is 4 minutes), never finished.
        asserter.execute(() -> claim(upload, UploadState.EXPIRED, dead, Duration.ofHours(1)));

        asserter.assertThat(() -> transitions.run(Scope.operator(), upload.id, transition(UploadState.ABORTED,
                (claimed, token) -> finisher.finish(claimed.id, token, Ending.aborted(), null).map(done -> done.upload()))), ended -> {
            assertEquals(UploadState.ABORTED, ended.state);
        });
        // The dead replica's finish, should it wake up, finds its claim gone.
        asserter.assertFailedWith(() -> finisher.finish(upload.id, dead, Ending.expired(), null),
                failure -> assertInstanceOf(ClaimLost.class, failure));
        asserter.assertThat(() -> eventsOf(upload.id), types -> assertEquals(List.of("upload.aborted"), types));
    }

    @Test
    @RunOnVertxContext
    void aHolderWhoseClaimWasTakenOverAnswersUploadBusy(UniAsserter asserter) {
        Upload upload = NewUploads.planned("finish-overtaken-" + UUID.randomUUID(), 100);
        UUID other = UUID.randomUUID();
        asserter.execute(() -> ledger.transaction(() -> ledger.insert(upload)));
        // While this call works in storage, its claim goes stale and another call takes it over.
        asserter.assertFailedWith(() -> transitions.run(Scope.operator(), upload.id, transition(UploadState.COMPLETED,
                        (claimed, token) -> ledger.transaction(() -> ledger.lock(Scope.operator(), claimed.id)
                                        .invoke(locked -> locked.claim(UploadState.COMPLETED, other, NewUploads.now())))
                                .chain(() -> finisher.finish(claimed.id, token, Ending.completed("\"e\"", 100), null))
                                .map(done -> done.upload()))),
                failure -> {
                    ApiProblem busy = assertInstanceOf(ApiProblem.class, failure);
                    assertEquals(ErrorCode.UPLOAD_BUSY, busy.error());
                    assertEquals("10", busy.headers().get("Retry-After"));
                });
        asserter.assertThat(() -> ledger.session(() -> ledger.find(Scope.operator(), upload.id)), found -> {
            assertEquals(UploadState.COMPLETING, found.state, "the other call's claim stands");
            assertEquals(other, found.claimToken);
        });
        asserter.assertThat(() -> eventsOf(upload.id), types -> assertEquals(List.of(), types));
    }

    private Uni<Void> claim(Upload upload, UploadState target, UUID token, Duration ago) {
        return ledger.transaction(() -> ledger.lock(Scope.operator(), upload.id)
                .invoke(locked -> locked.claim(target, token, NewUploads.now().minus(ago)))).replaceWithVoid();
    }

    private Uni<List<String>> eventsOf(UUID subject) {
        return pool.preparedQuery("select type from events where subject = $1 order by seq").execute(Tuple.of(subject))
                .map(rows -> {
                    List<String> types = new ArrayList<>();
                    for (Row row : rows) {
                        types.add(row.getString("type"));
                    }
                    return types;
                });
    }

    private static Transitions.Transition<Upload> transition(UploadState target, StorageStep step) {
        return new Transitions.Transition<>() {
            @Override
            public UploadState target() {
                return target;
            }

            @Override
            public Uni<Upload> answerFor(Upload upload) {
                return Uni.createFrom().item(upload);
            }

            @Override
            public Uni<Upload> inStorage(Upload claimed, UUID token) {
                return step.run(claimed, token);
            }
        };
    }

    @FunctionalInterface
    private interface StorageStep {
        Uni<Upload> run(Upload claimed, UUID token);
    }
}
