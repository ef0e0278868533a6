package io.uploadgateway.http.admin;

import io.uploadgateway.upload.quota.QuotaAdmin;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.upload.quota.QuotaAdmin.OwnerQuota;
import io.uploadgateway.upload.quota.QuotaAdmin.UsagePage;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.http.Problems;
import io.uploadgateway.http.RequestParams;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.nio.charset.StandardCharsets;

import static io.uploadgateway.problem.ErrorCode.DATABASE_UNAVAILABLE;
import static io.uploadgateway.problem.ErrorCode.FORBIDDEN;
import static io.uploadgateway.problem.ErrorCode.INVALID_REQUEST;
import static io.uploadgateway.problem.ErrorCode.UNAUTHORIZED;

/** Operators: owners' usage beside their quotas, and per-owner overrides (a table, not a redeploy). */
@Path("/api/v1/admin")
@Tag(name = "admin")
@Problems({INVALID_REQUEST, UNAUTHORIZED, FORBIDDEN, DATABASE_UNAVAILABLE})
@RolesAllowed("${gateway.admin-role}")
@Produces(MediaType.APPLICATION_JSON)
public class QuotaResource {

    private static final int MAX_OWNER_BYTES = 255;

    private final QuotaAdmin quotas;

    public QuotaResource(QuotaAdmin quotas) {
        this.quotas = quotas;
    }

    public record QuotaRequest(Integer maxActiveUploads, Long maxBytesInFlight) {
    }

    @GET
    @Path("/usage")
    @Operation(operationId = "adminUsage", summary = "Owners with open uploads: usage beside their limits, by owner",
            description = "Keyset-paginated by owner: pass nextCursor back as after.")
    public Uni<UsagePage> usage(@QueryParam("after") String after, @QueryParam("limit") String limit) {
        // An owner name, compared in the ledger: PostgreSQL refuses NUL in text.
        return quotas.usage(RequestParams.text("after", after, MAX_OWNER_BYTES), RequestParams.limit(limit, 50, 500));
    }

    @GET
    @Path("/quotas/{owner}")
    @Operation(operationId = "adminGetQuota", summary = "One owner's limits and usage")
    public Uni<OwnerQuota> get(@PathParam("owner") String owner) {
        return quotas.of(validOwner(owner));
    }

    @PUT
    @Path("/quotas/{owner}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "adminPutQuota", summary = "Override an owner's limits (null keeps the configured limit)")
    public Uni<OwnerQuota> put(@PathParam("owner") String owner, QuotaRequest request) {
        String who = validOwner(owner);
        if (request == null) {
            throw ApiProblem.invalid("a JSON body is required: {\"maxActiveUploads\"?, \"maxBytesInFlight\"?}");
        }
        if ((request.maxActiveUploads() != null && request.maxActiveUploads() < 0)
                || (request.maxBytesInFlight() != null && request.maxBytesInFlight() < 0)) {
            throw ApiProblem.invalid("limits must not be negative");
        }
        return quotas.override(who, request.maxActiveUploads(), request.maxBytesInFlight());
    }

    @DELETE
    @Path("/quotas/{owner}")
    @Operation(operationId = "adminDeleteQuota", summary = "Back to the configured limits for this owner")
    public Uni<Response> delete(@PathParam("owner") String owner) {
        return quotas.removeOverride(validOwner(owner)).map(ignored -> Response.noContent().build());
    }

    /** A name the ledger can hold as an owner: no control characters (PostgreSQL refuses NUL in text). */
    private static String validOwner(String owner) {
        if (owner == null || owner.isBlank() || owner.getBytes(StandardCharsets.UTF_8).length > MAX_OWNER_BYTES) {
            throw ApiProblem.invalid("owner must be a token's sub of 1 to " + MAX_OWNER_BYTES + " bytes");
        }
        return RequestParams.text("owner", owner, MAX_OWNER_BYTES);
    }
}
