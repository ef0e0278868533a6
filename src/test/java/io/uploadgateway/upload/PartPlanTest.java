package io.uploadgateway.upload;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartPlanTest {

    private static final long MIB = 1024 * 1024;
    private static final long GIB = 1024 * MIB;
    private static final long DEFAULT = 16 * MIB;

    @Test
    void requestedPartSizeCutsEveryPartButTheLastExactly() {
        PartPlan plan = PartPlan.of(12 * MIB + 1, 5 * MIB, DEFAULT, Long.MAX_VALUE);
        assertEquals(3, plan.partCount());
        assertEquals(5 * MIB, plan.sizeOf(1));
        assertEquals(5 * MIB, plan.sizeOf(2));
        assertEquals(2 * MIB + 1, plan.sizeOf(3));
    }

    @Test
    void exactMultipleHasAFullLastPart() {
        PartPlan plan = PartPlan.of(10 * MIB, 5 * MIB, DEFAULT, Long.MAX_VALUE);
        assertEquals(2, plan.partCount());
        assertEquals(5 * MIB, plan.sizeOf(2));
    }

    @Test
    void smallFileIsOnePartOfItsOwnSize() {
        PartPlan plan = PartPlan.of(1, null, DEFAULT, Long.MAX_VALUE);
        assertEquals(1, plan.partCount());
        assertEquals(1, plan.sizeOf(1));
    }

    @Test
    void defaultPartSizeGrowsToStayWithinTenThousandParts() {
        PartPlan fiveGb = PartPlan.of(5 * GIB, null, DEFAULT, Long.MAX_VALUE);
        assertEquals(DEFAULT, fiveGb.partSize());
        assertEquals(320, fiveGb.partCount());

        PartPlan oneTb = PartPlan.of(1024 * GIB, null, DEFAULT, Long.MAX_VALUE);
        assertTrue(oneTb.partCount() <= 10_000);
        assertEquals(0, oneTb.partSize() % MIB, "whole MiB part sizes");
        assertEquals(105 * MIB, oneTb.partSize());
    }

    @Test
    void largestObjectUsesTenThousandFiveGibParts() {
        PartPlan max = PartPlan.of(PartPlan.MAX_OBJECT_SIZE, null, DEFAULT, Long.MAX_VALUE);
        assertEquals(10_000, max.partCount());
        assertEquals(5 * GIB, max.partSize());
        assertEquals(5 * GIB, max.sizeOf(10_000));
    }

    @Test
    void limitsAreEnforcedWithAdvice() {
        assertThrows(IllegalArgumentException.class, () -> PartPlan.of(0, null, DEFAULT, Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> PartPlan.of(PartPlan.MAX_OBJECT_SIZE + 1, null, DEFAULT, Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> PartPlan.of(100, 5 * MIB - 1, DEFAULT, Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> PartPlan.of(100, 5 * GIB + 1, DEFAULT, Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> PartPlan.of(101, null, DEFAULT, 100));
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> PartPlan.of(100 * GIB, 5 * MIB, DEFAULT, Long.MAX_VALUE));
        assertTrue(tooMany.getMessage().contains("at least " + (100 * GIB + 9_999) / 10_000), tooMany.getMessage());
    }

    @Test
    void partNumbersOutsideThePlanHaveNoSize() {
        PartPlan plan = PartPlan.of(10, null, DEFAULT, Long.MAX_VALUE);
        assertThrows(IllegalArgumentException.class, () -> plan.sizeOf(0));
        assertThrows(IllegalArgumentException.class, () -> plan.sizeOf(2));
    }

    @Test
    void theOpenPlanHasNoPartLengths() {
        assertTrue(PartPlan.OPEN.isOpen());
        assertEquals(PartPlan.MAX_PARTS, PartPlan.OPEN.partCount());
        assertThrows(IllegalStateException.class, () -> PartPlan.OPEN.sizeOf(1));
        assertFalse(PartPlan.of(10, null, 5 * 1024 * 1024, PartPlan.MAX_OBJECT_SIZE).isOpen());
        assertThrows(IllegalArgumentException.class, () -> new PartPlan(-1, 5, PartPlan.MAX_PARTS));
    }

    @Test
    void anOpenPlanWithinAMaximumHasNoMorePartNumbersThanSuchAnObjectCanHave() {
        long mib = 1024 * 1024;
        // Every part but the last is at least 5 MiB: an object of at most 12 MiB has at most 3 parts.
        assertEquals(3, PartPlan.open(12 * mib).partCount());
        assertEquals(2, PartPlan.open(10 * mib).partCount());
        assertEquals(3, PartPlan.open(10 * mib + 1).partCount());
        assertEquals(1, PartPlan.open(1).partCount());
        assertEquals(PartPlan.MAX_PARTS, PartPlan.open(PartPlan.MAX_OBJECT_SIZE).partCount());
        assertTrue(PartPlan.open(12 * mib).isOpen());
    }
}
