package io.uploadgateway.upload;

import java.util.List;

/** An upload with its ledger of parts, as the API shows it. */
public record UploadWithParts(Upload upload, List<UploadPart> parts) {

    /** Planned part numbers the ledger has no complete record of, ascending. */
    public List<Integer> missingParts() {
        return PartReconciliation.missing(upload.plan(), parts);
    }
}
