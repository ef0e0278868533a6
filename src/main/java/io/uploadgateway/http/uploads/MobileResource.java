package io.uploadgateway.http.uploads;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.problem.Errors;
import io.uploadgateway.http.session.Caller;
import io.uploadgateway.upload.finish.AutoCompleter;
import io.uploadgateway.http.uploads.UploadViews.LeaseRequest;
import io.uploadgateway.http.uploads.UploadViews.LeaseResponse;
import io.uploadgateway.http.uploads.UploadViews.NudgeResponse;
import io.uploadgateway.upload.sign.LeaseParts;
import io.uploadgateway.http.Problems;
import io.uploadgateway.http.RequestParams;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import static io.uploadgateway.problem.ErrorCode.CHECKSUMS_UNSUPPORTED;
import static io.uploadgateway.problem.ErrorCode.DATABASE_UNAVAILABLE;
import static io.uploadgateway.problem.ErrorCode.INVALID_REQUEST;
import static io.uploadgateway.problem.ErrorCode.NOT_FOUND;
import static io.uploadgateway.problem.ErrorCode.STORAGE_UNAVAILABLE;
import static io.uploadgateway.problem.ErrorCode.UNAUTHORIZED;
import static io.uploadgateway.problem.ErrorCode.UPLOAD_NOT_ACTIVE;

/** Routes for apps that upload in OS background sessions: one lease for every remaining part, and a nudge. */
@Path("/api/v1/uploads")
@Tag(name = "uploads")
@Problems({UNAUTHORIZED, NOT_FOUND, UPLOAD_NOT_ACTIVE, INVALID_REQUEST, CHECKSUMS_UNSUPPORTED, STORAGE_UNAVAILABLE, DATABASE_UNAVAILABLE})
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class MobileResource {

    private final Caller caller;
    private final LeaseParts leases;
    private final AutoCompleter autoCompleter;

    public MobileResource(Caller caller, LeaseParts leases, AutoCompleter autoCompleter) {
        this.caller = caller;
        this.leases = leases;
        this.autoCompleter = autoCompleter;
    }

    @POST
    @Path("/{id}/lease")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "leaseParts", summary = "URLs for every remaining part, with their byte ranges",
            description = "Pages of up to 1000 parts (pass nextCursor back as cursor). Without partNumbers: every part not yet "
                    + "in S3, from the ledger or, with sync=true, from ListParts. Each URL lives expiresInSeconds (default and "
                    + "ceiling from configuration, at most 7 days) unless the signing credentials expire sooner; cappedBy says so.")
    @APIResponse(responseCode = "200", description = "The lease",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = LeaseResponse.class)))
    public Uni<LeaseResponse> lease(@Parameter(description = "Upload id (UUID)", schema = @Schema(type = SchemaType.STRING, format = "uuid")) @PathParam("id") String id,
                                    LeaseRequest request) {
        LeaseRequest asked = request == null ? new LeaseRequest(null, null, null, null, null) : request;
        var lease = new LeaseParts.Request(asked.expiresInSeconds(), asked.partNumbers(),
                UploadViews.PartDigests.entries(asked.parts()), Boolean.TRUE.equals(asked.sync()),
                cursor(asked.cursor()));
        return leases.lease(caller.scope(), RequestParams.uploadId(id), lease).map(LeaseResponse::of);
    }

    @POST
    @Path("/{id}/nudge")
    @Operation(operationId = "nudgeUpload", summary = "Ask the gateway to look at an auto-complete upload now")
    @APIResponse(responseCode = "202", description = "The look is due now",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = NudgeResponse.class)))
    public Uni<jakarta.ws.rs.core.Response> nudge(@Parameter(description = "Upload id (UUID)", schema = @Schema(type = SchemaType.STRING, format = "uuid")) @PathParam("id") String id) {
        return autoCompleter.nudge(caller.scope(), RequestParams.uploadId(id))
                .map(at -> jakarta.ws.rs.core.Response.accepted(new NudgeResponse(at)).build());
    }

    private static Integer cursor(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        try {
            int after = Integer.parseInt(cursor);
            if (after >= 1 && after <= 10_000) {
                return after;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Errors.notACursor("cursor");
    }
}
