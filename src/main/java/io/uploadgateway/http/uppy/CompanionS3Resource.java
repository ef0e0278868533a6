package io.uploadgateway.http.uppy;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.http.session.Caller;
import io.uploadgateway.http.uppy.CompanionViews.BatchResponse;
import io.uploadgateway.http.uppy.CompanionViews.CompleteRequest;
import io.uploadgateway.http.uppy.CompanionViews.CompleteResponse;
import io.uploadgateway.http.uppy.CompanionViews.CreateRequest;
import io.uploadgateway.http.uppy.CompanionViews.CreateResponse;
import io.uploadgateway.http.uppy.CompanionViews.ListedPart;
import io.uploadgateway.http.uppy.CompanionViews.ParamsResponse;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.Errors;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.UploadWithParts;
import io.uploadgateway.upload.create.CreateUpload;
import io.uploadgateway.upload.finish.AbortUpload;
import io.uploadgateway.upload.finish.CompleteUpload;
import io.uploadgateway.upload.parts.SyncParts;
import io.uploadgateway.upload.read.ReadUploads;
import io.uploadgateway.upload.read.UploadLocations;
import io.uploadgateway.upload.sign.PartRequests;
import io.uploadgateway.upload.sign.PartSigner.SignedPart;
import io.uploadgateway.upload.sign.SignParts;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.UriInfo;
import io.uploadgateway.http.Problems;
import io.uploadgateway.http.uppy.CompanionViews.SignedPartResponse;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.uploadgateway.problem.ErrorCode.BODY_TOO_LARGE;
import static io.uploadgateway.problem.ErrorCode.CROSS_SITE_REQUEST;
import static io.uploadgateway.problem.ErrorCode.POST_OBJECT_UNSUPPORTED;
import static io.uploadgateway.problem.ErrorCode.DATABASE_UNAVAILABLE;
import static io.uploadgateway.problem.ErrorCode.HOOK_UNAVAILABLE;
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

/**
 * Uppy Companion's S3 multipart protocol ({@code @uppy/aws-s3} 6.x with {@code companionEndpoint}
 * set to the gateway's origin), on the same ledger and use cases as the native API. Uppy's
 * {@code uploadId} is the gateway's upload id (not S3's), and every call must name the upload's
 * {@code key}: another key is a 404, like someone else's upload. Uppy sends no size, so its
 * uploads are open-sized ({@code UploadKind.OPEN_SIZED}) unless its metadata carries {@code size}.
 * Authentication: the bearer token, in the Authorization header or the cookie
 * ({@code http/session/CookieBearer}).
 */
@Path("/s3")
@Tag(name = "uppy", description = "Uppy Companion's S3 multipart protocol, for @uppy/aws-s3 with companionEndpoint")
@Problems({UNAUTHORIZED, STORAGE_UNAVAILABLE, DATABASE_UNAVAILABLE})
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class CompanionS3Resource {

    /** Uppy's default chunk size for a file of {@code size} bytes: at least 5 MiB, at most 10,000 parts. */
    static long uppyChunkSize(long size) {
        return Math.max(PartPlan.MIN_PART_SIZE, -Math.floorDiv(-size, PartPlan.MAX_PARTS));
    }

    private final Caller caller;
    private final UploadLocations locations;
    private final CreateUpload creation;
    private final ReadUploads reads;
    private final SyncParts sync;
    private final SignParts signing;
    private final CompleteUpload completion;
    private final AbortUpload abortion;
    private final Clock clock;

    public CompanionS3Resource(Caller caller, GatewayConfig config, CreateUpload creation, ReadUploads reads, SyncParts sync,
                               SignParts signing, CompleteUpload completion, AbortUpload abortion, Clock clock,
                               UploadLocations locations) {
        this.caller = caller;
        this.locations = locations;
        this.creation = creation;
        this.reads = reads;
        this.sync = sync;
        this.signing = signing;
        this.completion = completion;
        this.abortion = abortion;
        this.clock = clock;
    }

    @POST
    @Path("/multipart")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "uppyCreateMultipart", summary = "Start a multipart upload (Uppy)",
            description = "Body {filename, type, metadata}. Without metadata.size the upload is open-sized: parts of any "
                    + "length, the total checked at completion. With metadata.size (and optionally metadata.partSize, "
                    + "default Uppy's own chunk size) parts are planned and each URL is signed for its exact length.")
    @APIResponse(responseCode = "200", description = "The upload's id and object key",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CreateResponse.class)))
    @Problems({INVALID_REQUEST, BODY_TOO_LARGE, CROSS_SITE_REQUEST, TOO_LARGE, UNSUPPORTED_CONTENT_TYPE, QUOTA_EXCEEDED,
            REJECTED_BY_HOOK, HOOK_UNAVAILABLE, STORAGE_REFUSED})
    public Uni<CreateResponse> create(CreateRequest request) {
        if (request == null) {
            throw ApiProblem.invalid("a JSON body is required: {\"filename\", \"type\"?, \"metadata\"?}");
        }
        Long size = CompanionViews.bytesHint(request.metadata(), "size");
        Long partSize = CompanionViews.bytesHint(request.metadata(), "partSize");
        if (size != null && size > 0 && partSize == null) {
            partSize = uppyChunkSize(size);
        }
        String type = request.type() == null || request.type().isBlank() ? null : request.type();
        var command = CreateUpload.Command.uppyMultipart(caller.owner(), request.filename(), type,
                CompanionViews.storedMetadata(request.metadata()), size, partSize).withStoreClaim(caller.storeClaim());
        return creation.create(command).map(created -> new CreateResponse(created.upload().upload().id.toString(),
                created.upload().upload().key, locations.bucketOf(created.upload().upload())));
    }

    @GET
    @Path("/params")
    @Operation(operationId = "uppyParams", summary = "A presigned POST for a single-request upload (Uppy)",
            description = "Query: filename, type, metadata[field]=value. Uppy uses this for files under 100 MiB (unless "
                    + "shouldUseMultipart says otherwise) and always for 0-byte files. Starts an upload like POST /s3/multipart "
                    + "(content type 415, quotas 429, the pre-create hook) and answers a SigV4 POST policy that fixes the bucket, "
                    + "the upload's staging key and the Content-Type and bounds the size with content-length-range from 0 to what "
                    + "the form reserves of the owner's bytes quota: metadata[size] when given, else gateway.single-request-max-size, "
                    + "within the gateway's maximum and S3's 5 GiB. The upload completes, through the same checks as any other, "
                    + "when its object is found: GET /api/v1/uploads/{uploadId}?sync=true or POST .../complete, or the janitor once "
                    + "the policy has expired (EXPIRED if no object arrived); completion copies the checked object to the upload's key.")
    @APIResponse(responseCode = "200", description = "{method: \"POST\", url, fields, expires, uploadId, key}",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ParamsResponse.class)))
    @Problems({INVALID_REQUEST, POST_OBJECT_UNSUPPORTED, CROSS_SITE_REQUEST, TOO_LARGE, UNSUPPORTED_CONTENT_TYPE, QUOTA_EXCEEDED,
            REJECTED_BY_HOOK, HOOK_UNAVAILABLE})
    public Uni<ParamsResponse> params(@QueryParam("filename") String filename, @QueryParam("type") String type,
                                      @Context UriInfo uri) {
        if (filename == null) {
            throw ApiProblem.invalid("filename is required");
        }
        ObjectNode metadata = CompanionViews.queryMetadata(uri.getQueryParameters());
        String contentType = type == null || type.isBlank() ? null : type;
        var command = CreateUpload.Command.form(caller.owner(), filename, contentType, CompanionViews.storedMetadata(metadata),
                CompanionViews.bytesHint(metadata, "size")).withStoreClaim(caller.storeClaim());
        return creation.create(command).map(created -> new ParamsResponse("POST", created.form().url(), created.form().fields(),
                Math.max(0, Duration.between(clock.instant(), created.form().expiresAt()).toSeconds()),
                created.upload().upload().id.toString(), created.upload().upload().key));
    }

    @GET
    @Path("/multipart/{uploadId}/batch")
    @Operation(operationId = "uppySignParts", summary = "Presigned URLs for several parts (Uppy)")
    @APIResponse(responseCode = "200", description = "{presignedUrls: {\"1\": url, …}}",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BatchResponse.class)))
    @Problems({INVALID_REQUEST, NOT_FOUND, UPLOAD_NOT_ACTIVE, QUOTA_EXCEEDED})
    public Uni<BatchResponse> batch(@PathParam("uploadId") String uploadId, @QueryParam("key") String key,
                                    @QueryParam("partNumbers") String partNumbers) {
        List<Integer> numbers = CompanionViews.partNumbers(partNumbers);
        return signing.sign(scope(), id(uploadId), requireKey(key), PartRequests.of(numbers, null, SignParts.MAX_BATCH, false), null).map(parts -> {
            Map<String, String> urls = new LinkedHashMap<>();
            Map<String, Map<String, String>> headers = new LinkedHashMap<>();
            for (SignedPart part : parts) {
                urls.put(String.valueOf(part.partNumber()), part.url().url());
                headers.put(String.valueOf(part.partNumber()), part.url().headers());
            }
            return new BatchResponse(urls, headers);
        });
    }

    @GET
    @Path("/multipart/{uploadId}/{partNumber}")
    @Operation(operationId = "uppySignPart", summary = "A presigned URL for one part (Uppy)",
            description = "expires is the URL's lifetime in seconds. An open-sized upload's URL signs no Content-Length "
                    + "(S3 refuses a part over 5 GiB) and the first one for a higher part number reserves the 5 GiB it allows "
                    + "(429 beyond the owner's bytes quota); a planned one signs the part's exact length.")
    @APIResponse(responseCode = "200", description = "{url, expires}",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SignedPartResponse.class)))
    @Problems({INVALID_REQUEST, NOT_FOUND, UPLOAD_NOT_ACTIVE, QUOTA_EXCEEDED})
    public Uni<SignedPartResponse> signPart(@PathParam("uploadId") String uploadId, @PathParam("partNumber") String partNumber,
                                            @QueryParam("key") String key) {
        int number;
        try {
            number = Integer.parseInt(partNumber);
        } catch (NumberFormatException e) {
            throw ApiProblem.invalid("partNumber must be a whole number from 1 to " + PartPlan.MAX_PARTS + ", got " + partNumber);
        }
        return signing.sign(scope(), id(uploadId), requireKey(key), PartRequests.of(List.of(number), null, 1, false), null).map(parts -> {
            SignedPart part = parts.get(0);
            long expires = Math.max(0, Duration.between(clock.instant(), part.url().expiresAt()).toSeconds());
            return new SignedPartResponse(part.url().url(), expires, part.url().headers());
        });
    }

    @GET
    @Path("/multipart/{uploadId}")
    @Operation(operationId = "uppyListParts", summary = "The parts storage holds (Uppy, when resuming)",
            description = "Reconciles the ledger with S3's ListParts (every page) and answers every part.")
    @APIResponse(responseCode = "200", description = "[{PartNumber, ETag, Size, LastModified}, …]",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ListedPart[].class)))
    @Problems({INVALID_REQUEST, NOT_FOUND, UPLOAD_NOT_ACTIVE})
    public Uni<List<ListedPart>> listParts(@PathParam("uploadId") String uploadId, @QueryParam("key") String key) {
        Scope scope = scope();
        UUID id = id(uploadId);
        String expected = requireKey(key);
        return checked(scope, id, expected).flatMap(ignored -> sync.parts(scope, id))
                .map(full -> full.parts().stream().map(p -> new ListedPart(p.partNumber, p.etag, p.size,
                        p.uploadedAt == null ? null : p.uploadedAt.toString())).toList());
    }

    @POST
    @Path("/multipart/{uploadId}/complete")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "uppyComplete", summary = "Complete the upload with the parts Uppy names (Uppy)",
            description = "Body {parts: [{PartNumber, ETag}]}; ETags quoted or not. Each named part must be in storage with "
                    + "that ETag. An open-sized upload over the maximum size, or over its reservation with no room left in the owner's "
                    + "bytes quota, is aborted: 413.")
    @APIResponse(responseCode = "200", description = "{location, key}",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CompleteResponse.class)))
    @Problems({INVALID_REQUEST, BODY_TOO_LARGE, CROSS_SITE_REQUEST, NOT_FOUND, UPLOAD_NOT_ACTIVE, PARTS_MISSING, PART_MISMATCH,
            UPLOAD_BUSY, TOO_LARGE, STORAGE_REFUSED})
    public Uni<CompleteResponse> complete(@PathParam("uploadId") String uploadId, @QueryParam("key") String key,
                                          CompleteRequest request) {
        Scope scope = scope();
        UUID id = id(uploadId);
        String expected = requireKey(key);
        Map<Integer, String> parts = CompanionViews.completedParts(request);
        return checked(scope, id, expected).flatMap(ignored -> completion.complete(scope, id, parts))
                .map(full -> new CompleteResponse("/api/v1/uploads/" + full.upload().id, full.upload().key, locations.bucketOf(full.upload()),
                        full.upload().id.toString()));
    }

    @DELETE
    @Path("/multipart/{uploadId}")
    @Operation(operationId = "uppyAbort", summary = "Abort the upload (Uppy's cancel)",
            description = "Removes everything the upload put in storage and marks it ABORTED. Idempotent.")
    @APIResponse(responseCode = "200", description = "{}")
    @Problems({INVALID_REQUEST, CROSS_SITE_REQUEST, NOT_FOUND, UPLOAD_NOT_ACTIVE, UPLOAD_BUSY, STORAGE_REFUSED})
    public Uni<Map<String, Object>> abort(@PathParam("uploadId") String uploadId, @QueryParam("key") String key) {
        Scope scope = scope();
        UUID id = id(uploadId);
        String expected = requireKey(key);
        return checked(scope, id, expected).flatMap(ignored -> abortion.abort(scope, id)).map(ignored -> Map.of());
    }

    private Scope scope() {
        return caller.scope();
    }

    /** The upload, if the caller may see it under this key; a 404 otherwise. */
    private Uni<UploadWithParts> checked(Scope scope, UUID id, String key) {
        return reads.get(scope, id).invoke(full -> {
            if (!full.upload().key.equals(key)) {
                throw Errors.noSuchUpload(id, key);
            }
        });
    }

    /** Uppy's uploadId is the gateway's upload id; anything else was never issued here: 404. */
    private static UUID id(String uploadId) {
        try {
            UUID id = UUID.fromString(uploadId);
            if (id.toString().equals(uploadId.toLowerCase(java.util.Locale.ROOT))) {
                return id;
            }
        } catch (IllegalArgumentException | NullPointerException e) {
            // fall through
        }
        throw Errors.noSuchUpload(uploadId);
    }

    private static String requireKey(String key) {
        if (key == null || key.isEmpty()) {
            throw ApiProblem.invalid("key is required: the key the upload was created with");
        }
        return key;
    }
}
