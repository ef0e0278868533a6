package io.uploadgateway.upload.ledger;

import java.util.UUID;

/**
 * The finishing transaction of a claimed transition no longer found its token: the claim went
 * stale and another replica took it over. Nothing was written; that replica finishes the job.
 */
public final class ClaimLost extends RuntimeException {

    public ClaimLost(UUID id) {
        super("upload " + id + ": the claim was taken over before this transition could finish", null, false, false);
    }
}
