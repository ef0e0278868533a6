package io.uploadgateway.admin;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.KeysetCursor;
import io.uploadgateway.problem.ProblemDocument;
import io.uploadgateway.problem.ProblemMappers;
import io.uploadgateway.problem.RequestParams;
import io.uploadgateway.security.Caller;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadService;
import io.uploadgateway.upload.UploadState;
import jakarta.annotation.security.RolesAllowed;
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

/** Operators' API (group {@value Caller#ADMIN_GROUP}): every owner's uploads, stalled ones first in line. */
@Path("/api/v1/admin")
@Tag(name = "admin", description = "Operators (JWT group 'admin'): stalled uploads, stats, aborting anyone's upload")
@APIResponse(responseCode = "400", description = "invalid_request", content = @Content(mediaType = ProblemMappers.PROBLEM_JSON,
        schema = @Schema(implementation = ProblemDocument.class)))
@APIResponse(responseCode = "401", description = "unauthorized: no valid bearer token", content = @Content(
        mediaType = ProblemMappers.PROBLEM_JSON, schema = @Schema(implementation = ProblemDocument.class)))
@APIResponse(responseCode = "403", description = "forbidden: the token lacks the 'admin' group", content = @Content(
        mediaType = ProblemMappers.PROBLEM_JSON, schema = @Schema(implementation = ProblemDocument.class)))
@APIResponse(responseCode = "503", description = "storage_unavailable or database_unavailable", content = @Content(
        mediaType = ProblemMappers.PROBLEM_JSON, schema = @Schema(implementation = ProblemDocument.class)))
@RolesAllowed(Caller.ADMIN_GROUP)
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;

    private final AdminService admin;
    private final UploadService uploads;
    private final Clock clock;

    public AdminResource(AdminService admin, UploadService uploads, Clock clock) {
        this.admin = admin;
        this.uploads = uploads;
        this.clock = clock;
    }

    public record AdminUploadView(String id, String owner, String state, String filename, String contentType, long size,
                                  long bytesUploaded, int partsUploaded, int partCount, String key, Instant createdAt,
                                  Instant updatedAt, Instant lastActivityAt, long idleSeconds, Instant expiresAt,
                                  Instant completedAt) {
        static AdminUploadView of(Upload u, Instant now) {
            return new AdminUploadView(u.id.toString(), u.owner, u.state.name(), u.filename, u.contentType, u.size,
                    u.bytesUploaded, u.partsUploaded, u.partCount, u.key, u.createdAt, u.updatedAt, u.lastActivityAt,
                    Math.max(0, Duration.between(u.lastActivityAt, now).getSeconds()), u.expiresAt, u.completedAt);
        }
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
        UploadState wanted = UploadService.parseState(state);
        boolean onlyStalled = RequestParams.flag("stalled", stalled);
        Duration idle = AdminQuery.parseIdle(idleLongerThan);
        if (onlyStalled && wanted != null && wanted != UploadState.UPLOADING) {
            throw ApiProblem.invalid("stalled=true lists UPLOADING uploads; it cannot be combined with state=" + wanted);
        }
        Instant now = clock.instant();
        Instant idleBefore = idle != null ? now.minus(idle) : onlyStalled ? admin.stalledBefore() : null;
        int size = UploadService.validateLimit(RequestParams.optionalInt("limit", limit), DEFAULT_LIMIT, MAX_LIMIT);
        AdminQuery.Filter filter = new AdminQuery.Filter(onlyStalled ? UploadState.UPLOADING : wanted, idleBefore,
                owner == null || owner.isBlank() ? null : owner, KeysetCursor.parse(cursor), size);
        return admin.list(filter).map(page -> new AdminPage(
                page.items().stream().map(u -> AdminUploadView.of(u, now)).toList(), page.nextCursor()));
    }

    @POST
    @Path("/uploads/{id}/abort")
    @Operation(operationId = "adminAbortUpload", summary = "Abort anyone's upload (idempotent)")
    @APIResponse(responseCode = "200", description = "The upload, now ABORTED (or EXPIRED if the janitor was first)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AdminUploadView.class)))
    @APIResponse(responseCode = "404", description = "not_found", content = @Content(mediaType = ProblemMappers.PROBLEM_JSON,
            schema = @Schema(implementation = ProblemDocument.class)))
    @APIResponse(responseCode = "409", description = "upload_not_active: already completed", content = @Content(
            mediaType = ProblemMappers.PROBLEM_JSON, schema = @Schema(implementation = ProblemDocument.class)))
    public Uni<AdminUploadView> abort(@PathParam("id") String id) {
        return uploads.abort(UploadService.ANY_OWNER, RequestParams.uploadId(id))
                .map(upload -> AdminUploadView.of(upload, clock.instant()));
    }

    @GET
    @Path("/stats")
    @Operation(operationId = "adminStats", summary = "Counts by state, stalled count, bytes in flight, oldest stalled activity")
    @APIResponse(responseCode = "200", description = "The ledger's vital signs", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AdminService.Stats.class)))
    public Uni<AdminService.Stats> stats() {
        return admin.stats();
    }
}
