package io.uploadgateway.problem;

import java.util.List;
import java.util.UUID;

/**
 * The problems more than one place answers, each written once and called by name (the way
 * {@code ErrorCode} declares each code once): a guard's message is never copied.
 */
public final class Errors {

    private Errors() {
    }

    /** Someone else's upload is answered exactly like one that does not exist. */
    public static ApiProblem noSuchUpload(Object id) {
        return ErrorCode.NOT_FOUND.problem("no upload " + id);
    }

    /** An Uppy call naming another key than the upload's: as if the upload did not exist. */
    public static ApiProblem noSuchUpload(Object id, String key) {
        return ErrorCode.NOT_FOUND.problem("no upload " + id + " with key " + key);
    }

    public static ApiProblem noSuchEvent(Object id) {
        return ErrorCode.NOT_FOUND.problem("no event " + id);
    }

    /** Only an UPLOADING upload takes parts, records, leases, completions. */
    public static ApiProblem notUploading(UUID id, Object state) {
        return ErrorCode.UPLOAD_NOT_ACTIVE.problem("upload " + id + " is " + state + "; only UPLOADING uploads accept this");
    }

    /** A single-request upload (a presigned POST) has no parts to sign, record, list or lease. */
    public static ApiProblem hasNoParts(UUID id) {
        return ErrorCode.UPLOAD_NOT_ACTIVE.problem("upload " + id + " is a single-request upload (a presigned POST from /s3/params):"
                + " it has no parts");
    }

    /** An open-sized upload has no part plan: {@code what} says what the call needed one for. */
    public static ApiProblem hasNoPlan(UUID id, String what) {
        return ErrorCode.INVALID_REQUEST.problem("upload " + id + " was started without a size (the /s3 routes): " + what);
    }

    public static ApiProblem outsidePlan(List<Integer> partNumbers, int partCount) {
        return ErrorCode.INVALID_REQUEST.problem("part numbers " + partNumbers + " are outside 1.." + partCount
                + " (this upload may have " + partCount + " part" + (partCount == 1 ? "" : "s") + ")");
    }

    /** An abort of an upload whose object is assembled (COMPLETED, or held by the processing stage). */
    public static ApiProblem alreadyCompleted(UUID id, Object state) {
        return ErrorCode.UPLOAD_NOT_ACTIVE.problem("upload " + id + " is already completed (" + state + "); a completed upload"
                + " cannot be aborted");
    }

    public static ApiProblem goneFromStorage(UUID id) {
        return ErrorCode.UPLOAD_NOT_ACTIVE.problem("storage no longer has the multipart upload of " + id
                + " (aborted outside the gateway or removed by a lifecycle rule); start a new upload");
    }

    /** A cursor the API never issued (or one of another listing). */
    public static ApiProblem notACursor(String parameter) {
        return ErrorCode.INVALID_REQUEST.problem(parameter + " is not a cursor this API returned; pass nextCursor unchanged");
    }
}
