package io.uploadgateway.upload.ledger;

import io.uploadgateway.upload.UploadKind;
import io.uploadgateway.upload.UploadState;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * States and kinds written into SQL text, built from their enums (which stay the single source):
 * for the statements whose plan must see constants. A bound {@code state in ($1, $2, $3)} is
 * fine for a custom plan, but once PostgreSQL's plan cache settles on a generic plan it cannot
 * prove a partial index's predicate (that of {@code uploads_owner_open}, the open states, or of
 * {@code uploads_single_request_expiry}, a kind and a state) from parameters, and
 * reads every row of the owner or of the state instead (docs/benchmarks.md, "The ledger at scale").
 * Enum names are fixed identifiers: no input ever reaches this text.
 */
final class SqlLiterals {

    /** The open states as an SQL list, e.g. for {@code state in (...)}: UPLOADING, COMPLETING, ABORTING. */
    static final String OPEN_STATES = Arrays.stream(UploadState.values()).filter(UploadState::isOpen)
            .map(SqlLiterals::literal).collect(Collectors.joining(", "));

    /** The states an upload is settled in: neither open nor PROCESSING (assembled, not served yet). */
    static final String SETTLED_STATES = Arrays.stream(UploadState.values())
            .filter(state -> !state.isOpen() && state != UploadState.PROCESSING)
            .map(SqlLiterals::literal).collect(Collectors.joining(", "));

    static final String UPLOADING = literal(UploadState.UPLOADING);

    static final String PROCESSING = literal(UploadState.PROCESSING);

    static final String SINGLE_REQUEST = literal(UploadKind.SINGLE_REQUEST);

    static final String OPEN_SIZED = literal(UploadKind.OPEN_SIZED);

    private SqlLiterals() {
    }

    /** {@code 'NAME'}: an enum constant as an SQL string literal. */
    static String literal(Enum<?> constant) {
        return "'" + constant.name() + "'";
    }
}
