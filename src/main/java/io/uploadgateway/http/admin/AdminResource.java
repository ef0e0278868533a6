package io.uploadgateway.http.admin;

import io.uploadgateway.upload.read.AdminService;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.http.session.Caller;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.StepOutcome;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.finish.AbortUpload;
import io.uploadgateway.upload.process.ProcessingAdmin;
import io.uploadgateway.http.Problems;
import io.uploadgateway.http.RequestParams;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.uploadgateway.problem.ErrorCode.DATABASE_UNAVAILABLE;
import static io.uploadgateway.problem.ErrorCode.FORBIDDEN;
import static io.uploadgateway.problem.ErrorCode.INVALID_REQUEST;
import static io.uploadgateway.problem.ErrorCode.NOT_FOUND;
import static io.uploadgateway.problem.ErrorCode.STORAGE_REFUSED;
import static io.uploadgateway.problem.ErrorCode.STORAGE_UNAVAILABLE;
import static io.uploadgateway.problem.ErrorCode.UNAUTHORIZED;
import static io.uploadgateway.problem.ErrorCode.UPLOAD_BUSY;
import static io.uploadgateway.problem.ErrorCode.UPLOAD_NOT_ACTIVE;

/**
 * Operators' API: every owner's uploads, stalled ones first in line. Open to tokens whose
 * {@code groups} claim holds the configured operators' group ({@code gateway.admin-role},
 * {@code upload-gateway-admin} by default).
 */
@Path("/api/v1/admin")
@Tag(name = "admin", description = "Operators (the JWT group named by gateway.admin-role, default upload-gateway-admin): "
        + "stalled uploads, stats, aborting anyone's upload")
@Problems({INVALID_REQUEST, UNAUTHORIZED, FORBIDDEN, STORAGE_UNAVAILABLE, DATABASE_UNAVAILABLE})
@RolesAllowed("${gateway.admin-role}")
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    /** Longest idleLongerThan: a century is "everything"; more would take now minus it out of range. */
    static final Duration MAX_IDLE = Duration.ofDays(36_500);
    /** The ledger's owner column is varchar(255). */
    static final int MAX_OWNER_LENGTH = 255;

    private final AdminService admin;
    private final AbortUpload abortion;
    private final Clock clock;

    private final ProcessingAdmin processing;
    private final Caller caller;

    public AdminResource(AdminService admin, AbortUpload abortion, ProcessingAdmin processing, Caller caller, Clock clock) {
        this.admin = admin;
        this.abortion = abortion;
        this.processing = processing;
        this.caller = caller;
        this.clock = clock;
    }

    public record AdminUploadView(String id, String owner, String kind, String state, String filename, String contentType, Long size,
                                  long bytesUploaded, long reservedBytes, int partsUploaded, Integer partCount, String store, String key,
                                  Instant createdAt, Instant updatedAt, Instant lastActivityAt, long idleSeconds, Instant expiresAt,
                                  Instant completedAt, boolean autoComplete, Instant nextCheckAt, List<StepOutcome> processing,
                                  int processingAttempts, String quarantineReason, String quarantineKey) {
        static AdminUploadView of(Upload u, Instant now) {
            return new AdminUploadView(u.id.toString(), u.owner, u.kind.name(), u.state.name(), u.filename, u.contentType, u.size,
                    u.bytesUploaded, u.state.isOpen() ? u.reservedBytes : 0, u.partsUploaded, u.partCount, u.store, u.key, u.createdAt,
                    u.updatedAt, u.lastActivityAt, Math.max(0, Duration.between(u.lastActivityAt, now).getSeconds()), u.expiresAt,
                    u.completedAt, u.autoComplete, u.nextCheckAt, u.outcomes(), u.processingAttempts, u.quarantineReason,
                    u.quarantineKey);
        }
    }

    /** The app's verdict for the webhook processing step. */
    public record VerdictRequest(String verdict, String reason) {
    }

    public record AdminPage(List<AdminUploadView> items, String nextCursor) {
    }

    @GET
    @Path("/uploads")
    @Operation(operationId = "adminListUploads", summary = "Every owner's uploads, most idle first",
            description = "stalled=true: UPLOADING with no activity for longer than idleLongerThan (default gateway.stalled-after). "
                    + "Keyset-paginated: pass nextCursor back as cursor.")
    @APIResponse(responseCode = "200", description = "A page of uploads", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AdminPage.class)))
    public Uni<AdminPage> list(@QueryParam("state") String state, @QueryParam("stalled") String stalled,
                               @QueryParam("idleLongerThan") String idleLongerThan, @QueryParam("owner") String owner,
                               @QueryParam("limit") String limit, @QueryParam("cursor") String cursor) {
        UploadState wanted = RequestParams.oneOf("state", state, UploadState.class);
        boolean onlyStalled = RequestParams.flag("stalled", stalled);
        Duration idle = RequestParams.duration("idleLongerThan", idleLongerThan, MAX_IDLE);
        String ownerFilter = RequestParams.text("owner", owner, MAX_OWNER_LENGTH);
        if (onlyStalled && wanted != null && wanted != UploadState.UPLOADING) {
            throw ApiProblem.invalid("stalled=true lists UPLOADING uploads; it cannot be combined with state=" + wanted);
        }
        Instant now = clock.instant();
        Instant idleBefore = idle != null ? now.minus(idle) : onlyStalled ? admin.stalledBefore() : null;
        int size = RequestParams.limit(limit, DEFAULT_LIMIT, MAX_LIMIT);
        var query = new AdminService.Query(onlyStalled ? UploadState.UPLOADING : wanted, idleBefore,
                ownerFilter == null || ownerFilter.isBlank() ? null : ownerFilter, cursor, size);
        return admin.list(query).map(page -> new AdminPage(
                page.items().stream().map(u -> AdminUploadView.of(u, now)).toList(), page.nextCursor()));
    }

    @POST
    @Path("/uploads/{id}/abort")
    @Operation(operationId = "adminAbortUpload", summary = "Abort anyone's upload (idempotent)")
    @APIResponse(responseCode = "200", description = "The upload, now ABORTED (or EXPIRED if the janitor was first)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AdminUploadView.class)))
    @Problems({NOT_FOUND, UPLOAD_NOT_ACTIVE, UPLOAD_BUSY, STORAGE_REFUSED})
    public Uni<AdminUploadView> abort(@PathParam("id") String id) {
        return abortion.abort(Scope.operator(), RequestParams.uploadId(id))
                .map(upload -> AdminUploadView.of(upload, clock.instant()));
    }

    @POST
    @Path("/uploads/{id}/release")
    @Operation(operationId = "adminReleaseUpload", summary = "Serve a QUARANTINED upload after all (idempotent; audited)",
            description = "Puts its object back at its key; the upload is COMPLETED, its processing record ends with RELEASED and the"
                    + " operator's name, and upload.released is sent.")
    @APIResponse(responseCode = "200", description = "The upload, now COMPLETED",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AdminUploadView.class)))
    @Problems({NOT_FOUND, UPLOAD_NOT_ACTIVE, STORAGE_REFUSED})
    public Uni<AdminUploadView> release(@PathParam("id") String id) {
        return processing.release(RequestParams.uploadId(id), caller.owner()).map(upload -> AdminUploadView.of(upload, clock.instant()));
    }

    @POST
    @Path("/uploads/{id}/delete")
    @Operation(operationId = "adminDeleteQuarantined", summary = "Delete a QUARANTINED upload's object (idempotent; audited)",
            description = "The upload stays QUARANTINED with no object; its processing record ends with DELETED and the operator's"
                    + " name, and upload.deleted is sent.")
    @APIResponse(responseCode = "200", description = "The upload, QUARANTINED without its object",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AdminUploadView.class)))
    @Problems({NOT_FOUND, UPLOAD_NOT_ACTIVE, STORAGE_REFUSED})
    public Uni<AdminUploadView> deleteQuarantined(@PathParam("id") String id) {
        return processing.delete(RequestParams.uploadId(id), caller.owner()).map(upload -> AdminUploadView.of(upload, clock.instant()));
    }

    @POST
    @Path("/uploads/{id}/verdict")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "adminPostVerdict", summary = "The app's verdict for the webhook processing step (its callback)",
            description = "{\"verdict\": \"pass\"|\"fail\", \"reason\": \"…\"} for a PROCESSING upload whose webhook step answered 202;"
                    + " recorded once (a repeat, or a verdict for an upload past that step, is answered as it is).")
    @APIResponse(responseCode = "200", description = "The upload, with the verdict recorded",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AdminUploadView.class)))
    @Problems({NOT_FOUND, UPLOAD_NOT_ACTIVE})
    public Uni<AdminUploadView> verdict(@PathParam("id") String id, VerdictRequest request) {
        if (request == null) {
            throw ApiProblem.invalid("a body {\"verdict\": \"pass\"|\"fail\", \"reason\": \"…\"} is required");
        }
        return processing.verdict(RequestParams.uploadId(id), request.verdict(), request.reason())
                .map(upload -> AdminUploadView.of(upload, clock.instant()));
    }

    @GET
    @Path("/stats")
    @Operation(operationId = "adminStats", summary = "Counts by state (ended states: the last 24 hours), stalled count, bytes in flight, oldest stalled activity")
    @APIResponse(responseCode = "200", description = "The ledger's vital signs", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AdminService.Stats.class)))
    public Uni<AdminService.Stats> stats() {
        return admin.stats();
    }
}
