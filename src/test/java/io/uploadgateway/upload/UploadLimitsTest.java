package io.uploadgateway.upload;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What one upload may hold, by kind: pure arithmetic on the configured maximums. */
class UploadLimitsTest {

    private static final long MIB = 1024 * 1024;
    private static final long GIB = 1024 * MIB;

    @Test
    void anOpenSizedUploadReservesTheFiveGibibytesEachPartUrlAllowsWithinTheMaximum() {
        UploadLimits unbounded = new UploadLimits(Long.MAX_VALUE, 100 * MIB);
        assertEquals(PartPlan.MAX_OBJECT_SIZE, unbounded.maxSize(), "never beyond S3's object limit");
        assertEquals(5 * GIB, unbounded.openReservation(1));
        assertEquals(15 * GIB, unbounded.openReservation(3));
        assertEquals(PartPlan.MAX_OBJECT_SIZE, unbounded.openReservation(PartPlan.MAX_PARTS));

        UploadLimits small = new UploadLimits(12 * MIB, 100 * MIB);
        assertEquals(12 * MIB, small.openReservation(1));
        assertEquals(3, small.openPlan().partCount());
    }

    @Test
    void aFormTakesAtMostTheSingleRequestMaximumTheGatewaysMaximumAndFiveGibibytes() {
        assertEquals(100 * MIB, new UploadLimits(Long.MAX_VALUE, 100 * MIB).singleRequestMaxSize());
        assertEquals(12 * MIB, new UploadLimits(12 * MIB, 100 * MIB).singleRequestMaxSize());
        assertEquals(UploadLimits.MAX_SINGLE_REQUEST_SIZE, new UploadLimits(Long.MAX_VALUE, 50 * GIB).singleRequestMaxSize());
    }
}
