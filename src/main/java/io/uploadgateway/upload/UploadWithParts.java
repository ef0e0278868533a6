package io.uploadgateway.upload;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** An upload with its ledger of parts, as the API shows it. */
public record UploadWithParts(Upload upload, List<UploadPart> parts) {

    /** Planned part numbers the ledger has no complete record of, ascending. */
    public List<Integer> missingParts() {
        PartPlan plan = upload.plan();
        Set<Integer> done = new HashSet<>();
        for (UploadPart part : parts) {
            if (part.partNumber <= plan.partCount() && part.size == plan.sizeOf(part.partNumber)) {
                done.add(part.partNumber);
            }
        }
        List<Integer> missing = new ArrayList<>();
        for (int n = 1; n <= plan.partCount(); n++) {
            if (!done.contains(n)) {
                missing.add(n);
            }
        }
        return missing;
    }
}
