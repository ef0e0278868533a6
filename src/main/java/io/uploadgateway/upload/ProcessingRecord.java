package io.uploadgateway.upload;

import java.util.ArrayList;
import java.util.List;

/**
 * An upload's processing record as the ledger keeps it ({@code uploads.processing}, jsonb): the
 * outcomes in order, inside an object ({@code {"steps": [...]}}), the shape the reactive client
 * maps a JSON column to.
 */
public record ProcessingRecord(List<StepOutcome> steps) {

    public ProcessingRecord {
        steps = steps == null ? List.of() : List.copyOf(steps);
    }

    /** This record with {@code outcome} after the others. */
    public ProcessingRecord with(StepOutcome outcome) {
        List<StepOutcome> more = new ArrayList<>(steps);
        more.add(outcome);
        return new ProcessingRecord(more);
    }
}
