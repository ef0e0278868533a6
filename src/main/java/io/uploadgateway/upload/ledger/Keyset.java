package io.uploadgateway.upload.ledger;

import java.time.Instant;
import java.util.UUID;

/** A position in a listing ordered by a time and then the id: the last row of the previous page. */
public record Keyset(Instant at, UUID id) {
}
