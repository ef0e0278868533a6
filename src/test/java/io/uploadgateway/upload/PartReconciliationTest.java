package io.uploadgateway.upload;

import io.uploadgateway.storage.MultipartStorage.StoredPart;
import io.uploadgateway.upload.PartReconciliation.Adoption;
import io.uploadgateway.upload.PartReconciliation.Mismatch;
import io.uploadgateway.upload.PartReconciliation.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ledger × ListParts without I/O: what complete may assemble, what sync adopts, what counts as done. */
class PartReconciliationTest {

    private static final long MIB = 1024 * 1024;
    private static final UUID ID = UUID.randomUUID();
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    /** 3 parts: 5 MiB, 5 MiB, 100 bytes. */
    private static final PartPlan PLAN = PartPlan.of(10 * MIB + 100, 5 * MIB, 5 * MIB, PartPlan.MAX_OBJECT_SIZE);

    private static StoredPart listed(int n, String etag, long size) {
        return new StoredPart(n, etag, size, T0, null);
    }

    private static UploadPart recorded(int n, String etag, long size, Instant at) {
        return UploadPart.of(ID, n, etag, size, at);
    }

    @Test
    void everyPlannedPartInStorageWithItsSizeIsCompletableWithNormalisedEtags() {
        Verdict verdict = PartReconciliation.judge(PLAN, List.of(recorded(1, "\"a\"", 5 * MIB, T0)),
                List.of(listed(1, "a", 5 * MIB), listed(2, "\"b\"", 5 * MIB), listed(3, "W/\"c\"", 100)));
        assertTrue(verdict.completable());
        assertEquals(List.of(1, 2, 3), verdict.toComplete().stream().map(StoredPart::partNumber).toList());
        assertEquals(List.of("\"a\"", "\"b\"", "\"c\""), verdict.toComplete().stream().map(StoredPart::etag).toList());
    }

    @Test
    void partsStorageDoesNotHoldAreMissing() {
        Verdict verdict = PartReconciliation.judge(PLAN, List.of(), List.of(listed(2, "b", 5 * MIB)));
        assertFalse(verdict.completable());
        assertEquals(List.of(1, 3), verdict.missing());
    }

    @Test
    void aWrongSizeOrAnEtagOtherThanTheReportedOneIsAMismatch() {
        Verdict verdict = PartReconciliation.judge(PLAN, List.of(recorded(2, "\"mine\"", 5 * MIB, T0)),
                List.of(listed(1, "a", 5 * MIB - 1), listed(2, "theirs", 5 * MIB), listed(3, "c", 100)));
        assertEquals(List.of(new Mismatch(1, "size", 5 * MIB, 5 * MIB - 1), new Mismatch(2, "etag", "\"mine\"", "\"theirs\"")),
                verdict.mismatched());
        assertEquals(List.of(), verdict.missing());
    }

    @Test
    void syncAdoptsWhatStorageHoldsAndDropsWhatItDoesNot() {
        UploadPart stale = recorded(1, "\"old\"", 5 * MIB, T0);
        UploadPart gone = recorded(2, "\"b\"", 5 * MIB, T0);
        List<UploadPart> ledger = new ArrayList<>(List.of(stale, gone));
        Adoption adoption = PartReconciliation.adopt(ID, PLAN, ledger,
                List.of(listed(1, "new", 5 * MIB), listed(3, "c", 100), listed(4, "beyond-the-plan", 1)),
                T0.plusSeconds(10), T0.plusSeconds(11));

        assertEquals(List.of(1, 3), adoption.parts().stream().map(p -> p.partNumber).toList());
        assertSame(stale, adoption.parts().get(0), "a changed part is updated in place");
        assertEquals("\"new\"", stale.etag);
        assertEquals(List.of(3), adoption.added().stream().map(p -> p.partNumber).toList());
        assertEquals(T0, adoption.added().get(0).uploadedAt, "an adopted part carries S3's LastModified");
        assertEquals(List.of(gone), adoption.dropped());
    }

    @Test
    void syncKeepsPartsRecordedWhileStorageWasBeingListed() {
        Instant listedAt = T0.plusSeconds(10);
        UploadPart racing = recorded(2, "\"fresh\"", 5 * MIB, listedAt.plusMillis(5));
        Adoption adoption = PartReconciliation.adopt(ID, PLAN, List.of(racing), List.of(), listedAt, listedAt.plusSeconds(1));
        assertEquals(List.of(racing), adoption.parts());
        assertEquals(List.of(), adoption.dropped());
    }

    @Test
    void afterAssemblyTheLedgerHoldsExactlyTheAssembledParts() {
        UploadPart known = recorded(1, "\"a\"", 5 * MIB, T0);
        Adoption adoption = PartReconciliation.assembled(ID, List.of(known),
                List.of(listed(1, "\"a\"", 5 * MIB), listed(2, "\"b\"", 5 * MIB), listed(3, "\"c\"", 100)), T0);
        assertEquals(List.of(1, 2, 3), adoption.parts().stream().map(p -> p.partNumber).toList());
        assertSame(known, adoption.parts().get(0));
        assertEquals(List.of(2, 3), adoption.added().stream().map(p -> p.partNumber).toList());
    }

    @Test
    void onlyPartsOfExactlyTheirPlannedSizeCountAsDone() {
        List<UploadPart> parts = List.of(recorded(1, "\"a\"", 5 * MIB, T0), recorded(2, "\"b\"", 4 * MIB, T0),
                recorded(3, "\"c\"", 100, T0), recorded(4, "\"d\"", 100, T0));
        assertEquals(List.of(1, 3), PartReconciliation.counted(PLAN, parts).stream().map(p -> p.partNumber).toList());
        assertEquals(List.of(2), PartReconciliation.missing(PLAN, parts));
    }

    @Test
    void checksumsComeFromTheStoreWhenItReportsThemElseFromWhatWasSignedAndADifferenceIsAMismatch() {
        Verdict verdict = PartReconciliation.judge(PLAN, List.of(), List.of(
                new StoredPart(1, "a", 5 * MIB, T0, "c1"), new StoredPart(2, "b", 5 * MIB, T0, null),
                new StoredPart(3, "c", 100, T0, "other")));
        assertEquals("c1", verdict.toComplete().get(0).checksum(), "judge keeps what the store reports");

        PartReconciliation.Checksums checksums = PartReconciliation.checksums(verdict.toComplete(),
                java.util.Map.of(1, "c1", 2, "c2", 3, "c3"));
        assertEquals(List.of("c1", "c2", "other"), checksums.toComplete().stream().map(StoredPart::checksum).toList());
        assertEquals(List.of(new Mismatch(3, "checksum", "c3", "other")), checksums.mismatched());

        // A store that reports none (S3Proxy 3.3.0): the signed checksums are passed, nothing to compare.
        PartReconciliation.Checksums unreported = PartReconciliation.checksums(List.of(listed(1, "a", 5 * MIB)),
                java.util.Map.of(1, "c1"));
        assertEquals("c1", unreported.toComplete().get(0).checksum());
        assertTrue(unreported.mismatched().isEmpty());
    }

    @Test
    void anOpenPlanAssemblesWhatStorageListsInOrderAndCountsEveryPart() {
        Verdict verdict = PartReconciliation.judge(PartPlan.OPEN, List.of(),
                List.of(listed(3, "c", 7), listed(1, "a", 6 * MIB)));
        assertTrue(verdict.completable());
        assertEquals(List.of(1, 3), verdict.toComplete().stream().map(StoredPart::partNumber).toList());
        assertEquals(6 * MIB + 7, PartReconciliation.totalOf(verdict));
        assertEquals(List.of(1), PartReconciliation.judge(PartPlan.OPEN, List.of(), List.of()).missing(),
                "nothing in storage: nothing to complete");
        assertEquals(2, PartReconciliation.counted(PartPlan.OPEN,
                List.of(recorded(1, "\"a\"", 6 * MIB, T0), recorded(2, "\"b\"", 1, T0))).size());
        assertEquals(List.of(), PartReconciliation.missing(PartPlan.OPEN, List.of()));
    }

    @Test
    void partsAClientNamesMustBeInStorageWithTheirEtagQuotedOrNot() {
        var named = PartReconciliation.reported(java.util.Map.of(1, "a", 2, "\"b\""),
                List.of(listed(1, "\"a\"", 5 * MIB), listed(2, "b", 5), listed(3, "stray", 5)));
        assertEquals(null, named.refusal());
        assertEquals(List.of(1, 2), named.listed().stream().map(StoredPart::partNumber).toList(), "part 3 is left out");

        var refused = PartReconciliation.reported(java.util.Map.of(1, "x", 4, "d"), List.of(listed(1, "a", 5)));
        assertEquals(List.of(4), refused.refusal().missing());
        assertEquals(List.of(new Mismatch(1, "etag", "\"x\"", "\"a\"")), refused.refusal().mismatched());
    }
}
