package io.uploadgateway.upload;

import io.uploadgateway.upload.StepOutcome.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The processing stage's transitions on {@link Upload}: only a held-back completion enters it, and it leaves it once. */
class ProcessingTransitionsTest {

    private static final Instant NOW = Instant.parse("2026-12-06T05:00:00Z");

    @Test
    void onlyACompletionIsHeldBackForProcessing() {
        Ending completed = Ending.completed("\"etag\"", 42);
        assertEquals(new Ending(UploadState.PROCESSING, "\"etag\"", 42L, null), completed.heldForProcessing());
        for (Ending other : new Ending[]{Ending.aborted(), Ending.expired(), Ending.rejected("application/zip")}) {
            assertSame(other, other.heldForProcessing());
        }
    }

    @Test
    void aProcessingUploadIsAssembledDueAtOnceAndNotServed() {
        Upload upload = processing();
        assertEquals(UploadState.PROCESSING, upload.state);
        assertEquals(42L, upload.size);
        assertEquals(NOW, upload.nextCheckAt);
        assertEquals(NOW, upload.endedAt);
        assertFalse(upload.state.isOpen());
    }

    @Test
    void anAssembledObjectIsServedHeldOrKeptAwayNeverOpen() {
        // What complete answers as it is, and abort refuses (409), whatever the processing stage did.
        java.util.Set<UploadState> assembled = java.util.EnumSet.noneOf(UploadState.class);
        for (UploadState state : UploadState.values()) {
            if (state.isAssembled()) {
                assembled.add(state);
                assertFalse(state.isOpen(), state + " is assembled and open");
            }
        }
        assertEquals(java.util.EnumSet.of(UploadState.COMPLETED, UploadState.PROCESSING, UploadState.QUARANTINED), assembled);
    }

    @Test
    void stepsAreRecordedOnceInOrderThenTheUploadIsServed() {
        Upload upload = processing();
        UUID token = UUID.randomUUID();
        upload.processingTaken(token, NOW.plusSeconds(900), NOW);
        assertTrue(upload.processedBy(token));
        assertFalse(upload.processedBy(UUID.randomUUID()));

        upload.stepLater(NOW.plusSeconds(5), NOW);
        assertEquals(1, upload.processingAttempts);
        assertFalse(upload.processedBy(token), "a runner that lets go no longer holds it");
        upload.stepDone(StepOutcome.of("scan", Verdict.PASSED, "clean", NOW), NOW);
        assertEquals(0, upload.processingAttempts);
        assertEquals(Verdict.PASSED, upload.outcomeOf("scan").verdict());
        assertNull(upload.outcomeOf("webhook"));

        upload.verdictArrived(StepOutcome.of("webhook", Verdict.PASSED, "ok", NOW), NOW);
        upload.verdictArrived(StepOutcome.of("webhook", Verdict.FAILED, "too late", NOW), NOW);
        assertEquals(2, upload.outcomes().size(), "a verdict counts once");

        upload.ready(NOW);
        assertEquals(UploadState.COMPLETED, upload.state);
        assertNull(upload.nextCheckAt);
        assertThrows(IllegalStateException.class, () -> upload.ready(NOW));
        assertThrows(IllegalStateException.class, () -> upload.quarantine("scan: late", "q/key", NOW));
    }

    @Test
    void aQuarantinedUploadIsReleasedOrItsObjectDeletedByAnOperatorOnly() {
        Upload upload = processing();
        upload.stepDone(StepOutcome.of("scan", Verdict.FAILED, "Eicar-Test-Signature", NOW), NOW);
        upload.quarantine("scan: Eicar-Test-Signature", "uploads/quarantine/k", NOW);
        assertEquals(UploadState.QUARANTINED, upload.state);
        assertThrows(IllegalStateException.class, () -> upload.stepDone(StepOutcome.of("webhook", Verdict.PASSED, null, NOW), NOW));

        upload.releaseFromQuarantine("ops", "\"copy\"", NOW);
        assertEquals(UploadState.COMPLETED, upload.state);
        assertEquals("\"copy\"", upload.etag);
        assertNull(upload.quarantineKey);
        assertEquals(Verdict.RELEASED, upload.outcomes().get(1).verdict());
        assertEquals("ops", upload.outcomes().get(1).detail());
        assertThrows(IllegalStateException.class, () -> upload.quarantineDeleted("ops", NOW));
    }

    private static Upload processing() {
        Upload upload = Upload.openSized(new Upload.NewFile(UUID.randomUUID(), "owner", "default", "uploads/k", "a.bin",
                "application/octet-stream", Map.of()), "s3-id", NOW.minusSeconds(60), Duration.ofDays(7));
        upload.claim(UploadState.COMPLETED, UUID.randomUUID(), NOW);
        upload.end(Ending.completed("\"etag\"", 42).heldForProcessing(), NOW);
        return upload;
    }
}
