package io.uploadgateway.upload;

import java.util.List;

/** An upload with its ledger of parts, as the API shows it. */
public record UploadWithParts(Upload upload, List<UploadPart> parts) {

    /**
     * Planned part numbers the ledger has no complete record of, ascending; none once the ledger's
     * retention removed the parts of an upload that ended (nothing is missing from an ending).
     */
    public List<Integer> missingParts() {
        return upload.partsPrunedAt != null ? List.of() : PartReconciliation.missing(upload.plan(), parts);
    }
}
