package io.uploadgateway.upload.rest;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.RequestParams;
import io.uploadgateway.security.Caller;
import io.uploadgateway.upload.UploadService;
import io.uploadgateway.upload.UploadService.CreateCommand;
import io.uploadgateway.upload.rest.UploadViews.CreateUploadRequest;
import io.uploadgateway.upload.rest.UploadViews.DownloadResponse;
import io.uploadgateway.upload.rest.UploadViews.PartView;
import io.uploadgateway.upload.rest.UploadViews.PresignRequest;
import io.uploadgateway.upload.rest.UploadViews.PresignResponse;
import io.uploadgateway.upload.rest.UploadViews.PresignedUrl;
import io.uploadgateway.upload.rest.UploadViews.RecordPartRequest;
import io.uploadgateway.upload.rest.UploadViews.UploadPage;
import io.uploadgateway.upload.rest.UploadViews.UploadView;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.util.UUID;
import java.util.regex.Pattern;

/** The native v1 API: a thin map from HTTP to {@link UploadService}. */
@Path("/api/v1/uploads")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class UploadResource {

    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

    private final UploadService uploads;
    private final Caller caller;
    private final String bucket;

    public UploadResource(UploadService uploads, Caller caller, GatewayConfig config) {
        this.uploads = uploads;
        this.caller = caller;
        this.bucket = config.bucket();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> create(CreateUploadRequest request, @HeaderParam("Idempotency-Key") String idempotencyKey) {
        if (request == null) {
            throw ApiProblem.invalid("a JSON body is required: {\"filename\", \"size\", \"contentType\"?, \"partSize\"?, \"metadata\"?}");
        }
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw ApiProblem.invalid("Idempotency-Key must be 1-255 visible ASCII characters");
        }
        CreateCommand command = new CreateCommand(caller.owner(), request.filename(), request.size(), request.contentType(),
                request.partSize(), request.metadata(), idempotencyKey);
        return uploads.create(command).map(created -> {
            UploadView view = UploadView.of(created.upload(), bucket);
            URI location = URI.create("/api/v1/uploads/" + view.id());
            return (created.replayed() ? Response.ok(view) : Response.status(Response.Status.CREATED).entity(view))
                    .location(location).build();
        });
    }

    @GET
    public Uni<UploadPage> list(@QueryParam("state") String state, @QueryParam("limit") String limit,
                                @QueryParam("cursor") String cursor) {
        return uploads.list(caller.owner(), state, RequestParams.optionalInt("limit", limit), cursor)
                .map(page -> new UploadPage(page.items().stream().map(u -> UploadView.summary(u, bucket)).toList(),
                        page.nextCursor()));
    }

    @GET
    @Path("/{id}")
    public Uni<UploadView> get(@PathParam("id") String id, @QueryParam("sync") String sync) {
        boolean reconcile = RequestParams.flag("sync", sync);
        UUID uploadId = RequestParams.uploadId(id);
        return (reconcile ? uploads.sync(caller.owner(), uploadId) : uploads.get(caller.owner(), uploadId))
                .map(full -> UploadView.of(full, bucket));
    }

    @POST
    @Path("/{id}/presign")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<PresignResponse> presign(@PathParam("id") String id, PresignRequest request) {
        UUID uploadId = RequestParams.uploadId(id);
        if (request == null) {
            throw ApiProblem.invalid("a JSON body is required: {\"partNumbers\": [1, 2], \"expiresInSeconds\"?}");
        }
        return uploads.presign(caller.owner(), uploadId, request.partNumbers(), request.expiresInSeconds())
                .map(urls -> new PresignResponse(urls.stream()
                        .map(p -> new PresignedUrl(p.partNumber(), p.request().method(), p.request().url(),
                                p.request().headers(), p.request().expiresAt()))
                        .toList()));
    }

    @PUT
    @Path("/{id}/parts/{partNumber}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<PartView> recordPart(@PathParam("id") String id, @PathParam("partNumber") String partNumber,
                                    RecordPartRequest request) {
        UUID uploadId = RequestParams.uploadId(id);
        Integer number = RequestParams.optionalInt("partNumber", partNumber);
        if (request == null) {
            throw ApiProblem.invalid("a JSON body is required: {\"etag\": \"<the ETag header S3 returned>\"}");
        }
        return uploads.recordPart(caller.owner(), uploadId, number, request.etag()).map(PartView::of);
    }

    @POST
    @Path("/{id}/complete")
    public Uni<UploadView> complete(@PathParam("id") String id) {
        return uploads.complete(caller.owner(), RequestParams.uploadId(id)).map(full -> UploadView.of(full, bucket));
    }

    @DELETE
    @Path("/{id}")
    public Uni<Response> abort(@PathParam("id") String id) {
        return uploads.abort(caller.owner(), RequestParams.uploadId(id)).map(ignored -> Response.noContent().build());
    }

    @GET
    @Path("/{id}/download")
    public Uni<DownloadResponse> download(@PathParam("id") String id,
                                          @QueryParam("expiresInSeconds") String expiresInSeconds,
                                          @QueryParam("disposition") String disposition) {
        UUID uploadId = RequestParams.uploadId(id);
        Integer seconds = RequestParams.optionalInt("expiresInSeconds", expiresInSeconds);
        return uploads.download(caller.owner(), uploadId, seconds == null ? null : seconds.longValue(), disposition)
                .map(DownloadResponse::of);
    }
}
