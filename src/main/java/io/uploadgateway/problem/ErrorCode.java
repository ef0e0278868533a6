package io.uploadgateway.problem;

import java.util.Locale;

/**
 * Every problem the gateway can answer, declared once: the stable {@code code} clients branch
 * on, its HTTP status and title, and what it means. {@code docs/api.md} carries the same table
 * (a test holds the two together), and the OpenAPI document derives its problem responses and
 * the {@code code} enumeration from here.
 */
public enum ErrorCode {

    INVALID_REQUEST(400, "Invalid request", "A value is missing, malformed or out of range; `detail` says what to change."),
    CHECKSUMS_UNSUPPORTED(400, "Additional checksums not supported", "The request asks for an additional checksum (`checksumAlgorithm`, or a part's `checksum`) of an algorithm this gateway's object store does not check (probed at startup, or `GATEWAY_STORE_ADDITIONAL_CHECKSUMS=false`); use `contentMd5` instead."),
    POST_OBJECT_UNSUPPORTED(400, "POST Object not supported", "A single-request upload (`/s3/params`) needs browser POST Object, which this gateway's object store lacks (`GATEWAY_STORE_POST_OBJECT=false`); upload in parts (Uppy: `shouldUseMultipart: () => true`)."),
    UNAUTHORIZED(401, "Unauthorized", "No bearer token, or one that is invalid, expired, for another audience, or without a usable `sub` (missing, over 255 characters, or with control characters)."),
    FORBIDDEN(403, "Forbidden", "The token lacks the group this call needs (the operators' group, `gateway.admin-role`)."),
    CROSS_SITE_REQUEST(403, "Cross-site request refused", "A state-changing `/s3` call authenticated by the cookie came from another site (`Origin` or `Sec-Fetch-Site`); send it from the gateway's own origin, or with an Authorization header."),
    REJECTED_BY_HOOK(403, "Rejected by the application", "The application's pre-create hook refused this upload; `detail` and `hookMessage` carry its reason."),
    NOT_FOUND(404, "Not found", "No such upload, or it belongs to someone else (the two are indistinguishable)."),
    METHOD_NOT_ALLOWED(405, "Method not allowed", "The path exists but does not take this method."),
    NOT_ACCEPTABLE(406, "Not acceptable", "The client does not accept JSON."),
    UPLOAD_NOT_ACTIVE(409, "Upload is not active", "The upload's state does not allow this call (e.g. presign after abort, abort after completion)."),
    PARTS_MISSING(409, "Parts missing", "Complete found planned parts that storage does not hold yet; `missingParts` lists them."),
    PART_MISMATCH(409, "Parts do not match", "Storage holds other bytes than expected for some parts; `mismatchedParts` says which and how."),
    UPLOAD_BUSY(409, "Upload busy", "Another call is completing or aborting this upload right now; ask again after `Retry-After` seconds."),
    UPLOAD_PROCESSING(409, "Upload is processing", "The upload's object is assembled but its processing steps (virus scan, the app's verdict) have not cleared it yet: ask again after `Retry-After` seconds."),
    UPLOAD_QUARANTINED(409, "Upload is quarantined", "A processing step failed the upload (`quarantineReason` says which and why): it is never served unless an operator releases it."),
    STORAGE_REFUSED(409, "Storage refused", "Object storage refused the operation for good (access denied, no such bucket, bad credentials or clock): retrying will not help until an operator fixes the bucket or the gateway's credentials."),
    WEBHOOKS_OFF(409, "Webhooks are off", "Redelivery needs webhooks, and this gateway has no webhook URL configured."),
    TOO_LARGE(413, "Upload too large", "The declared size exceeds the gateway's maximum upload size; or, at completion, an upload holds more than it may (an upload started without a size over that maximum, or over what it reserved with no room left in its owner's bytes quota; a form's object over what the form allowed): it is then aborted and its bytes removed."),
    BODY_TOO_LARGE(413, "Request body too large", "The request body exceeds the gateway's limit (`gateway.max-request-body`, 256 KiB by default); send fewer items per call."),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type", "The body is not `application/json`."),
    UNSUPPORTED_CONTENT_TYPE(415, "Content type not accepted", "The upload's declared `contentType` is not one this gateway accepts (`GATEWAY_ALLOWED_CONTENT_TYPES`)."),
    IDEMPOTENCY_KEY_REUSED(422, "Idempotency-Key already used", "The `Idempotency-Key` was used by the same owner for a different file."),
    CONTENT_MISMATCH(422, "Content does not match", "The completed object's bytes are not of the declared type (or of no accepted type): the upload is REJECTED and the object deleted; `declaredContentType` and `detectedContentType` say what was found."),
    QUOTA_EXCEEDED(429, "Quota exceeded", "The owner has as many open uploads, or as many bytes in flight (what their open uploads reserve), as allowed; `quota`, `limit` and `usage` say which. Also for a part URL that would raise an open-sized upload's reservation past the bytes quota. Retry after `Retry-After` seconds, when other uploads have ended."),
    INTERNAL_ERROR(500, "Internal error", "A bug: the gateway failed unexpectedly and logged why."),
    STORAGE_UNAVAILABLE(503, "Storage unavailable", "Object storage did not answer (in time); retry after `Retry-After` seconds."),
    DATABASE_UNAVAILABLE(503, "Database unavailable", "The ledger (PostgreSQL) did not answer; retry after `Retry-After` seconds."),
    HOOK_UNAVAILABLE(503, "Pre-create hook unavailable", "The application's pre-create hook did not answer in time, failed (5xx) or answered something unusable; nothing was created; retry after `Retry-After` seconds.");

    private final int status;
    private final String title;
    private final String meaning;

    ErrorCode(int status, String title, String meaning) {
        this.status = status;
        this.title = title;
        this.meaning = meaning;
    }

    /** The machine word clients see in a problem's {@code code}, e.g. {@code parts_missing}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** One sentence for documentation: when a client sees this code. */
    public String meaning() {
        return meaning;
    }

    /** The problem this code names, with a detail that tells the client what happened and what to change. */
    public ApiProblem problem(String detail) {
        return new ApiProblem(this, detail);
    }

    /** The catalogue entry of a code word, for documentation checks. */
    public static ErrorCode of(String code) {
        return valueOf(code.toUpperCase(Locale.ROOT));
    }
}
