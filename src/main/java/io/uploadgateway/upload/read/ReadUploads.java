package io.uploadgateway.upload.read;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.UploadWithParts;
import io.uploadgateway.upload.ledger.Keyset;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.UUID;

/** Reads of the ledger as it stands: one upload with its parts, or a page of the owner's uploads. */
@ApplicationScoped
public class ReadUploads {

    private final UploadLedger ledger;

    public ReadUploads(UploadLedger ledger) {
        this.ledger = ledger;
    }

    /** A page of uploads; pass {@code nextCursor} back as the cursor of the next page (null on the last). */
    public record UploadPage(List<Upload> items, String nextCursor) {
    }

    public Uni<UploadWithParts> get(Scope scope, UUID id) {
        return ledger.session(() -> ledger.find(scope, id).flatMap(ledger::withParts));
    }

    /** The owner's uploads, newest first. */
    public Uni<UploadPage> list(Scope.Owner owner, UploadState state, int limit, String cursor) {
        Keyset after = Keyset.parse(cursor);
        return ledger.session(() -> ledger.ownersPage(owner.owner(), state,
                        after, limit))
                .map(page -> new UploadPage(page.items(),
                        page.more() ? new Keyset(page.last().createdAt, page.last().id).encode() : null));
    }
}
