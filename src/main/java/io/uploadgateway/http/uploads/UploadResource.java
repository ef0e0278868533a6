package io.uploadgateway.http.uploads;

import io.uploadgateway.config.ListingConfig;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.http.Problems;
import io.uploadgateway.http.RequestParams;
import io.uploadgateway.http.session.Caller;
import io.uploadgateway.http.uploads.UploadViews.CreateUploadRequest;
import io.uploadgateway.http.uploads.UploadViews.DownloadResponse;
import io.uploadgateway.http.uploads.UploadViews.PartView;
import io.uploadgateway.http.uploads.UploadViews.PresignRequest;
import io.uploadgateway.http.uploads.UploadViews.PresignResponse;
import io.uploadgateway.http.uploads.UploadViews.RecordPartRequest;
import io.uploadgateway.http.uploads.UploadViews.UploadPage;
import io.uploadgateway.http.uploads.UploadViews.UploadView;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.create.ChecksumChoice;
import io.uploadgateway.upload.create.CreateUpload;
import io.uploadgateway.upload.finish.AbortUpload;
import io.uploadgateway.upload.finish.CompleteUpload;
import io.uploadgateway.upload.parts.RecordPart;
import io.uploadgateway.upload.parts.SyncParts;
import io.uploadgateway.upload.read.ReadUploads;
import io.uploadgateway.upload.read.UploadLocations;
import io.uploadgateway.upload.sign.PartRequests;
import io.uploadgateway.upload.sign.SignDownload;
import io.uploadgateway.upload.sign.SignParts;
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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.util.UUID;
import java.util.regex.Pattern;

import static io.uploadgateway.problem.ErrorCode.BODY_TOO_LARGE;
import static io.uploadgateway.problem.ErrorCode.CHECKSUMS_UNSUPPORTED;
import static io.uploadgateway.problem.ErrorCode.DATABASE_UNAVAILABLE;
import static io.uploadgateway.problem.ErrorCode.HOOK_UNAVAILABLE;
import static io.uploadgateway.problem.ErrorCode.IDEMPOTENCY_KEY_REUSED;
import static io.uploadgateway.problem.ErrorCode.INVALID_REQUEST;
import static io.uploadgateway.problem.ErrorCode.NOT_FOUND;
import static io.uploadgateway.problem.ErrorCode.PARTS_MISSING;
import static io.uploadgateway.problem.ErrorCode.PART_MISMATCH;
import static io.uploadgateway.problem.ErrorCode.QUOTA_EXCEEDED;
import static io.uploadgateway.problem.ErrorCode.REJECTED_BY_HOOK;
import static io.uploadgateway.problem.ErrorCode.STORAGE_REFUSED;
import static io.uploadgateway.problem.ErrorCode.STORAGE_UNAVAILABLE;
import static io.uploadgateway.problem.ErrorCode.TOO_LARGE;
import static io.uploadgateway.problem.ErrorCode.UNAUTHORIZED;
import static io.uploadgateway.problem.ErrorCode.UNSUPPORTED_CONTENT_TYPE;
import static io.uploadgateway.problem.ErrorCode.UPLOAD_BUSY;
import static io.uploadgateway.problem.ErrorCode.UPLOAD_NOT_ACTIVE;
import static io.uploadgateway.problem.ErrorCode.UPLOAD_PROCESSING;
import static io.uploadgateway.problem.ErrorCode.UPLOAD_QUARANTINED;

/**
 * The native v1 API ({@code docs/api.md}): a thin map from HTTP to the upload use cases, each
 * scoped to the caller's own uploads. Every error is {@code application/problem+json}.
 */
@Path("/api/v1/uploads")
@Tag(name = "uploads", description = "Multipart uploads of the caller: start, presign parts, record ETags, complete, abort, download")
@Problems({UNAUTHORIZED, STORAGE_UNAVAILABLE, DATABASE_UNAVAILABLE})
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class UploadResource {

    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

    private final Caller caller;
    private final UploadLocations locations;
    private final ListingConfig listing;
    private final CreateUpload creation;
    private final ReadUploads reads;
    private final SyncParts sync;
    private final SignParts signing;
    private final RecordPart recording;
    private final CompleteUpload completion;
    private final AbortUpload abortion;
    private final SignDownload downloads;

    public UploadResource(Caller caller, GatewayConfig config, CreateUpload creation, ReadUploads reads, SyncParts sync,
                          SignParts signing, RecordPart recording, CompleteUpload completion, AbortUpload abortion,
                          SignDownload downloads, UploadLocations locations) {
        this.caller = caller;
        this.locations = locations;
        this.listing = config.listing();
        this.creation = creation;
        this.reads = reads;
        this.sync = sync;
        this.signing = signing;
        this.recording = recording;
        this.completion = completion;
        this.abortion = abortion;
        this.downloads = downloads;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createUpload", summary = "Start an upload",
            description = "Creates the S3 multipart upload and its ledger row. The object key is built by the gateway. "
                    + "With an Idempotency-Key already used by the same owner for the same file, answers 200 with that upload.")
    @APIResponse(responseCode = "201", description = "Created; Location names the upload",
            headers = @Header(name = "Location", description = "/api/v1/uploads/{id}", schema = @Schema(type = SchemaType.STRING)),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = UploadView.class)))
    @APIResponse(responseCode = "200", description = "Replayed: the upload created earlier with this Idempotency-Key",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = UploadView.class)))
    @Problems({INVALID_REQUEST, CHECKSUMS_UNSUPPORTED, BODY_TOO_LARGE, TOO_LARGE, UNSUPPORTED_CONTENT_TYPE, IDEMPOTENCY_KEY_REUSED, QUOTA_EXCEEDED,
            REJECTED_BY_HOOK, HOOK_UNAVAILABLE, STORAGE_REFUSED})
    public Uni<Response> create(CreateUploadRequest request, @Parameter(description = "Makes the call safe to retry: the same key from the same owner returns the same upload")
                                  @HeaderParam("Idempotency-Key") String idempotencyKey) {
        if (request == null) {
            throw ApiProblem.invalid("a JSON body is required: {\"filename\", \"size\", \"contentType\"?, \"partSize\"?, \"metadata\"?}");
        }
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw ApiProblem.invalid("Idempotency-Key must be 1-255 visible ASCII characters");
        }
        var command = CreateUpload.Command.planned(caller.owner(), request.filename(), request.size(), request.contentType(),
                request.partSize(), request.metadata(), idempotencyKey, request.autoComplete(),
                ChecksumChoice.parse(request.checksumAlgorithm())).withStoreClaim(caller.storeClaim());
        return creation.create(command).map(created -> {
            UploadView view = UploadView.of(created.upload(), locations.bucketOf(created.upload().upload()));
            URI location = URI.create("/api/v1/uploads/" + view.id());
            return (created.replayed() ? Response.ok(view) : Response.status(Response.Status.CREATED).entity(view))
                    .location(location).build();
        });
    }

    @GET
    @Operation(operationId = "listUploads", summary = "The caller's uploads, newest first",
            description = "Keyset-paginated: pass nextCursor back as cursor for the next page.")
    @APIResponse(responseCode = "200", description = "A page of uploads (without their parts)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = UploadPage.class)))
    @Problems(INVALID_REQUEST)
    public Uni<UploadPage> list(@Parameter(description = "Only uploads in this state", schema = @Schema(implementation = UploadState.class)) @QueryParam("state") String state,
                                @Parameter(description = "Page size", schema = @Schema(type = SchemaType.INTEGER, minimum = "1")) @QueryParam("limit") String limit,
                                @Parameter(description = "nextCursor of the previous page") @QueryParam("cursor") String cursor) {
        return reads.list(caller.scope(), RequestParams.oneOf("state", state, UploadState.class),
                        RequestParams.limit(limit, listing.defaultLimit(), listing.maxLimit()), cursor)
                .map(page -> new UploadPage(page.items().stream().map(u -> UploadView.summary(u, locations.bucketOf(u))).toList(),
                        page.nextCursor()));
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getUpload", summary = "An upload with its parts and missing part numbers",
            description = "With sync=true the ledger is first reconciled with S3 (ListParts, all pages), "
                    + "so a client that lost its ETags can resume without re-sending bytes. For a single-request upload "
                    + "(/s3/params) sync=true looks for its object (HeadObject) and, when it is there, completes the upload.")
    @APIResponse(responseCode = "200", description = "The upload",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = UploadView.class)))
    @Problems({INVALID_REQUEST, NOT_FOUND, UPLOAD_NOT_ACTIVE})
    public Uni<UploadView> get(@Parameter(description = "Upload id (UUID)", schema = @Schema(type = SchemaType.STRING, format = "uuid")) @PathParam("id") String id,
                               @Parameter(description = "Reconcile with S3 first", schema = @Schema(type = SchemaType.BOOLEAN)) @QueryParam("sync") String sync) {
        boolean reconcile = RequestParams.flag("sync", sync);
        UUID uploadId = RequestParams.uploadId(id);
        Scope scope = caller.scope();
        if (!reconcile) {
            return reads.get(scope, uploadId).map(full -> UploadView.of(full, locations.bucketOf(full.upload())));
        }
        return this.sync.sync(scope, uploadId).map(full -> UploadView.of(full, locations.bucketOf(full.upload())));
    }

    @POST
    @Path("/{id}/presign")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "presignParts", summary = "Presigned PUT URLs for parts",
            description = "Up to 1000 part numbers a call. Each URL is signed for exactly its part's byte length "
                    + "(Content-Length is a signed header), and for the part's Content-MD5 and checksum when given in parts. "
                    + "Every call issues fresh URLs.")
    @APIResponse(responseCode = "200", description = "One URL per requested part",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PresignResponse.class)))
    @Problems({INVALID_REQUEST, CHECKSUMS_UNSUPPORTED, BODY_TOO_LARGE, NOT_FOUND, UPLOAD_NOT_ACTIVE, QUOTA_EXCEEDED})
    public Uni<PresignResponse> presign(@Parameter(description = "Upload id (UUID)", schema = @Schema(type = SchemaType.STRING, format = "uuid")) @PathParam("id") String id, PresignRequest request) {
        UUID uploadId = RequestParams.uploadId(id);
        if (request == null) {
            throw ApiProblem.invalid("a JSON body is required: {\"partNumbers\": [1, 2], \"expiresInSeconds\"?}"
                    + " or {\"parts\": [{\"partNumber\": 1, \"contentMd5\": \"<base64>\"}]}");
        }
        var asked = PartRequests.of(request.partNumbers(), UploadViews.PartDigests.entries(request.parts()), SignParts.MAX_BATCH, false);
        return signing.sign(caller.scope(), uploadId, asked, request.expiresInSeconds())
                .map(PresignResponse::of);
    }

    @PUT
    @Path("/{id}/parts/{partNumber}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "recordPart", summary = "Record a part's ETag",
            description = "Re-recording a part replaces its ETag (S3 keeps the last upload of a part number).")
    @APIResponse(responseCode = "200", description = "The recorded part",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PartView.class)))
    @Problems({INVALID_REQUEST, BODY_TOO_LARGE, NOT_FOUND, UPLOAD_NOT_ACTIVE})
    public Uni<PartView> recordPart(@Parameter(description = "Upload id (UUID)", schema = @Schema(type = SchemaType.STRING, format = "uuid")) @PathParam("id") String id,
                                    @Parameter(description = "1..partCount", schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "10000")) @PathParam("partNumber") String partNumber,
                                    RecordPartRequest request) {
        UUID uploadId = RequestParams.uploadId(id);
        Integer number = RequestParams.optionalInt("partNumber", partNumber);
        if (request == null) {
            throw ApiProblem.invalid("a JSON body is required: {\"etag\": \"<the ETag header S3 returned>\"}");
        }
        return recording.record(caller.scope(), uploadId, number, request.etag()).map(PartView::of);
    }

    @POST
    @Path("/{id}/complete")
    @Operation(operationId = "completeUpload", summary = "Complete the upload",
            description = "Checks the ledger against S3's ListParts, completes the multipart upload and verifies the object. "
                    + "Calling it again on a completed upload returns the same 200.")
    @APIResponse(responseCode = "200", description = "The upload in state COMPLETED, with etag and location",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = UploadView.class)))
    @Problems({NOT_FOUND, UPLOAD_NOT_ACTIVE, PARTS_MISSING, PART_MISMATCH, UPLOAD_BUSY, STORAGE_REFUSED})
    public Uni<UploadView> complete(@Parameter(description = "Upload id (UUID)", schema = @Schema(type = SchemaType.STRING, format = "uuid")) @PathParam("id") String id) {
        return completion.complete(caller.scope(), RequestParams.uploadId(id)).map(full -> UploadView.of(full, locations.bucketOf(full.upload())));
    }

    @DELETE
    @Path("/{id}")
    @Operation(operationId = "abortUpload", summary = "Abort the upload",
            description = "Removes everything the upload put in storage and marks it ABORTED. Idempotent.")
    @APIResponse(responseCode = "204", description = "Aborted (or already aborted)")
    @Problems({NOT_FOUND, UPLOAD_NOT_ACTIVE, UPLOAD_BUSY, STORAGE_REFUSED})
    public Uni<Response> abort(@Parameter(description = "Upload id (UUID)", schema = @Schema(type = SchemaType.STRING, format = "uuid")) @PathParam("id") String id) {
        return abortion.abort(caller.scope(), RequestParams.uploadId(id)).map(ignored -> Response.noContent().build());
    }

    @GET
    @Path("/{id}/download")
    @Operation(operationId = "downloadUpload", summary = "A presigned GET URL for a completed upload",
            description = "The URL makes S3 answer with Content-Disposition carrying the original filename (RFC 6266 filename*).")
    @APIResponse(responseCode = "200", description = "The URL and when it expires",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DownloadResponse.class)))
    @Problems({INVALID_REQUEST, NOT_FOUND, UPLOAD_NOT_ACTIVE, UPLOAD_PROCESSING, UPLOAD_QUARANTINED})
    public Uni<DownloadResponse> download(@Parameter(description = "Upload id (UUID)", schema = @Schema(type = SchemaType.STRING, format = "uuid")) @PathParam("id") String id,
                                          @Parameter(description = "1..604800, default and ceiling from config", schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "604800")) @QueryParam("expiresInSeconds") String expiresInSeconds,
                                          @Parameter(description = "attachment (default) or inline", schema = @Schema(enumeration = {"attachment", "inline"})) @QueryParam("disposition") String disposition) {
        UUID uploadId = RequestParams.uploadId(id);
        Integer seconds = RequestParams.optionalInt("expiresInSeconds", expiresInSeconds);
        return downloads.sign(caller.scope(), uploadId, seconds == null ? null : seconds.longValue(), disposition)
                .map(DownloadResponse::of);
    }
}
