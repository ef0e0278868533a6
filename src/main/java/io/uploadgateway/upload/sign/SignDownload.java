package io.uploadgateway.upload.sign;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.upload.ContentDisposition;
import io.uploadgateway.upload.ContentPolicy;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.UUID;

/**
 * A presigned GET of a completed upload that makes S3 answer with the original filename. Only
 * types a browser shows safely are served inline and with their own content type; anything else
 * is an attachment of type {@code application/octet-stream}.
 */
@ApplicationScoped
public class SignDownload {

    private final UploadLedger ledger;
    private final SigningWindow window;
    /** A scan of a typical upload takes seconds; polling faster only adds load. */
    static final String PROCESSING_RETRY_AFTER = "5";

    public SignDownload(UploadLedger ledger, SigningWindow window) {
        this.ledger = ledger;
        this.window = window;
    }

    public Uni<SignedUrl> sign(Scope scope, UUID id, Long expiresInSeconds, String disposition) {
        String type = disposition == null ? "attachment" : disposition;
        if (!type.equals("attachment") && !type.equals("inline")) {
            throw ApiProblem.invalid("disposition must be 'attachment' or 'inline', got '" + disposition + "'");
        }
        Duration requested = window.requested(expiresInSeconds);
        return ledger.session(() -> ledger.find(scope, id))
                .flatMap(upload -> {
                    if (upload.state == UploadState.PROCESSING) {
                        throw ErrorCode.UPLOAD_PROCESSING.problem("upload " + id + " is PROCESSING: its processing steps have not "
                                + "cleared it yet; ask again in " + PROCESSING_RETRY_AFTER + " s")
                                .withHeader("Retry-After", PROCESSING_RETRY_AFTER);
                    }
                    if (upload.state == UploadState.QUARANTINED) {
                        throw ErrorCode.UPLOAD_QUARANTINED.problem("upload " + id + " is QUARANTINED (" + upload.quarantineReason
                                + "); it is not served").with("quarantineReason", upload.quarantineReason);
                    }
                    if (upload.state != UploadState.COMPLETED) {
                        throw ErrorCode.UPLOAD_NOT_ACTIVE.problem("upload " + id + " is " + upload.state + "; only COMPLETED uploads can be downloaded");
                    }
                    boolean safe = ContentPolicy.safeInline(upload.contentType);
                    if (type.equals("inline") && !safe) {
                        throw ApiProblem.invalid("disposition=inline is only served for types a browser can show safely "
                                + ContentPolicy.SAFE_INLINE.stream().sorted().toList() + "; " + upload.contentType
                                + " is served as an attachment");
                    }
                    // Anything a browser might render from the bucket's origin leaves as a plain download.
                    String responseType = safe ? upload.contentType : "application/octet-stream";
                    return window.grant(upload.store, requested).map(grant -> SignedUrl.of(grant.signing().download(upload.key,
                            ContentDisposition.of(type, upload.filename), responseType, grant.lifetime())));
                });
    }
}
