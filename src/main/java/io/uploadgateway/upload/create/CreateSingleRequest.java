package io.uploadgateway.upload.create;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.events.outbox.EventOutbox;
import io.uploadgateway.hook.PreCreateHook;
import io.uploadgateway.storage.UrlSigner.PresignedPost;
import io.uploadgateway.upload.ObjectKeys;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.UploadRules;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.create.CreateUpload.Command;
import io.uploadgateway.upload.ledger.UploadLedger;
import io.uploadgateway.upload.sign.SigningWindow;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

/**
 * Single-request uploads (Uppy's {@code /s3/params}): one presigned POST of the whole object
 * instead of a multipart upload, checked like a multipart create ({@link CreateUpload#plan}).
 */
@ApplicationScoped
public class CreateSingleRequest {

    private final CreateUpload multipart;
    private final UploadLedger ledger;
    private final Quotas quotas;
    private final GatewayConfig config;
    private final Clock clock;
    private final UploadMetrics metrics;
    private final PreCreateHook hook;
    private final EventOutbox events;
    private final SigningWindow window;

    public CreateSingleRequest(CreateUpload multipart, UploadLedger ledger, Quotas quotas, GatewayConfig config, Clock clock,
                               UploadMetrics metrics, PreCreateHook hook, EventOutbox events, SigningWindow window) {
        this.multipart = multipart;
        this.ledger = ledger;
        this.quotas = quotas;
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.hook = hook;
        this.events = events;
        this.window = window;
    }

    /**
     * How long after its POST policy expires a single-request upload is left to the janitor: a POST
     * the browser began just before the expiration (or a store whose clock lags) may still land.
     */
    public static final Duration SINGLE_REQUEST_GRACE = Duration.ofHours(1);

    /**
     * A single-request upload's row and the presigned POST its browser sends the file with: the
     * form's {@code url}, its {@code fields} (in order, before the file) and the policy's expiry.
     */
    public record SingleRequest(Upload upload, String url, Map<String, String> fields, Instant expiresAt, long maxBytes) {
    }

    /**
     * Starts a single-request upload (Uppy's {@code /s3/params}): the same checks as a multipart
     * create (filename, metadata, content type 415, quotas 429, the pre-create hook), then a
     * presigned POST whose policy fixes the gateway's key and the Content-Type and bounds the size
     * by the gateway's maximum, S3's single-request limit and the owner's remaining bytes quota.
     * No S3 call: the row (no S3 upload id, expiring with the policy) is recorded with its
     * {@code upload.created} event, and completes once its object exists (complete, sync or the janitor).
     */
    public Uni<SingleRequest> create(Command command) {
        multipart.plan(command);
        String contentType = command.contentType() == null ? UploadRules.DEFAULT_CONTENT_TYPE : command.contentType().strip();
        Map<String, String> requested = command.metadata() == null ? Map.of() : Map.copyOf(command.metadata());
        long configured = UploadRules.maxSingleRequestSize(config.maxUploadSize().asLongValue());
        var intent = new PreCreateHook.Intent(command.owner(), command.filename(), null, contentType, requested);
        Duration lifetime = window.requested(null);
        return ledger.session(() -> quotas.limitsOf(command.owner())).flatMap(limits -> ledger.session(
                        () -> quotas.remainingBytes(command.owner(), limits))
                .map(remaining -> remaining == null ? configured : Math.min(configured, remaining))
                .flatMap(max -> hook.check(intent).flatMap(added -> {
                    Map<String, String> metadata = CreateUpload.withHookMetadata(requested, added);
                    return window.grant(lifetime).flatMap(grant -> {
                        UUID id = UUID.randomUUID();
                        String key = ObjectKeys.forUpload(config.keyRoot(), command.owner(), id, command.filename());
                        PresignedPost post = grant.signing().post(key, contentType, max, grant.lifetime());
                        return ledger.transaction(() -> quotas.enforce(command.owner(), 0, limits).chain(() -> {
                            Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                            Upload upload = new Upload();
                            upload.id = id;
                            upload.owner = command.owner();
                            upload.state = UploadState.UPLOADING;
                            upload.key = key;
                            upload.singleRequest = true;
                            upload.filename = command.filename();
                            upload.contentType = contentType;
                            upload.metadata = metadata;
                            upload.createdAt = now;
                            upload.touch(now, config.uploadTtl());
                            // The janitor looks for the object once the policy can no longer be used, and
                            // a POST begun just before its expiration may still be sending: a grace period.
                            upload.expiresAt = post.expiresAt().plus(SINGLE_REQUEST_GRACE);
                            return ledger.insert(upload).call(inserted -> events.record(inserted, now));
                        })).map(upload -> {
                            events.committed();
                            metrics.started(upload);
                            return new SingleRequest(upload, post.url(), post.fields(), post.expiresAt(), max);
                        });
                    });
                })));
    }
}
