package io.uploadgateway.upload.ledger;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.vertx.RunOnVertxContext;
import io.quarkus.test.vertx.UniAsserter;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.support.NewUploads;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadKind;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.quota.Quotas;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ledger against PostgreSQL, below the HTTP API: scopes, claims, reservations. */
@QuarkusTest
@WithTestResource(TestStack.class)
class UploadLedgerTest {

    @Inject
    UploadLedger ledger;

    @Inject
    QuotaLedger quotaLedger;

    @Inject
    OperatorLedger operators;

    @Inject
    Quotas quotas;

    @Test
    @RunOnVertxContext
    void anOwnerSeesOnlyTheirOwnUploadAndAnOperatorSeesEveryOne(UniAsserter asserter) {
        Upload upload = NewUploads.planned("ledger-owner-" + UUID.randomUUID(), 100);
        asserter.execute(() -> ledger.transaction(() -> ledger.insert(upload)));
        asserter.assertThat(() -> ledger.session(() -> ledger.find(Scope.owner(upload.owner), upload.id)), found -> {
            assertEquals(UploadKind.PLANNED, found.kind);
            assertEquals(100L, found.reservedBytes, "a planned upload reserves its size");
        });
        asserter.assertThat(() -> ledger.session(() -> ledger.find(Scope.operator(), upload.id)),
                found -> assertEquals(upload.owner, found.owner));
        asserter.assertFailedWith(() -> ledger.session(() -> ledger.find(Scope.owner("someone-else"), upload.id)),
                failure -> assertEquals(ErrorCode.NOT_FOUND, assertInstanceOf(ApiProblem.class, failure).error()));
    }

    @Test
    @RunOnVertxContext
    void aClaimIsGivenBackOrFinishedOnlyUnderItsToken(UniAsserter asserter) {
        Upload upload = NewUploads.openSized("ledger-claim-" + UUID.randomUUID());
        UUID token = UUID.randomUUID();
        asserter.execute(() -> ledger.transaction(() -> ledger.insert(upload)));
        asserter.execute(() -> ledger.transaction(() -> ledger.lock(Scope.operator(), upload.id)
                .invoke(locked -> locked.claim(UploadState.COMPLETED, token, NewUploads.now()))));

        asserter.assertFalse(() -> ledger.transaction(() -> ledger.release(upload.id, UUID.randomUUID(), NewUploads.now())));
        asserter.assertFailedWith(() -> ledger.finish(upload.id, UUID.randomUUID(), claimed -> claimed.persist()),
                failure -> assertInstanceOf(ClaimLost.class, failure));
        asserter.assertThat(() -> ledger.session(() -> ledger.find(Scope.operator(), upload.id)), found -> {
            assertEquals(UploadState.COMPLETING, found.state, "another token changed nothing");
            assertEquals(token, found.claimToken);
        });

        asserter.assertTrue(() -> ledger.transaction(() -> ledger.release(upload.id, token, NewUploads.now())));
        asserter.assertThat(() -> ledger.session(() -> ledger.find(Scope.operator(), upload.id)), found -> {
            assertEquals(UploadState.UPLOADING, found.state);
            assertNull(found.claimToken);
        });
    }

    @Test
    @RunOnVertxContext
    void anOwnersBytesInFlightAreWhatTheirOpenUploadsReserve(UniAsserter asserter) {
        String owner = "ledger-usage-" + UUID.randomUUID();
        Upload planned = NewUploads.planned(owner, 1000);
        Upload open = NewUploads.openSized(owner);
        Upload form = NewUploads.singleRequest(owner, 300);
        asserter.execute(() -> ledger.transaction(() -> ledger.insert(planned).chain(() -> ledger.insert(open))
                .chain(() -> ledger.insert(form))));
        asserter.assertThat(() -> ledger.session(() -> quotaLedger.usage(owner)), usage -> {
            assertEquals(3, usage.activeUploads());
            assertEquals(1300, usage.bytesInFlight(), "an open-sized upload holds nothing before it gets part URLs");
        });
        // The open-sized upload gets URLs: its reservation grows, and only ever grows.
        asserter.execute(() -> ledger.transaction(() -> ledger.lock(Scope.operator(), open.id)
                .flatMap(locked -> quotas.reserve(locked, 5000, NewUploads.now()))));
        asserter.execute(() -> ledger.transaction(() -> ledger.lock(Scope.operator(), open.id)
                .flatMap(locked -> quotas.reserve(locked, 10, NewUploads.now()))));
        asserter.assertThat(() -> ledger.session(() -> quotaLedger.usage(owner)),
                usage -> assertEquals(6300, usage.bytesInFlight()));
        // An upload that ended no longer counts.
        asserter.execute(() -> ledger.transaction(() -> ledger.lock(Scope.operator(), planned.id)
                .invoke(locked -> locked.claim(UploadState.ABORTED, UUID.randomUUID(), NewUploads.now()))));
        asserter.assertThat(() -> ledger.session(() -> quotaLedger.usage(owner)), usage -> {
            assertEquals(3, usage.activeUploads(), "a claimed upload is still open");
            assertEquals(6300, usage.bytesInFlight());
        });
    }

    @Test
    @RunOnVertxContext
    void theJanitorTakesAnOpenSizedUploadForASizeCheckOnlyOnceItReservedSomething(UniAsserter asserter) {
        Upload fresh = NewUploads.openSized("ledger-size-" + UUID.randomUUID());
        asserter.execute(() -> ledger.transaction(() -> ledger.insert(fresh)));
        asserter.assertThat(() -> ledger.transaction(() -> operators.takeSizeChecks(NewUploads.now(), 10_000)),
                taken -> assertFalse(taken.stream().anyMatch(u -> u.id.equals(fresh.id)), "nothing reserved: nothing to check"));
        asserter.execute(() -> ledger.transaction(() -> ledger.lock(Scope.operator(), fresh.id)
                .flatMap(locked -> quotas.reserve(locked, 1, NewUploads.now()))));
        asserter.assertThat(() -> ledger.transaction(() -> operators.takeSizeChecks(NewUploads.now(), 10_000)),
                taken -> assertTrue(taken.stream().anyMatch(u -> u.id.equals(fresh.id) && u.sizeCheckedAt != null)));
    }
}
