package io.uploadgateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything an operator can set for the gateway, under {@code gateway.*}
 * (env form {@code GATEWAY_*}). Datasource and S3 connection settings use the standard
 * {@code quarkus.datasource.*} and {@code quarkus.s3.*} keys instead.
 */
@ConfigMapping(prefix = "gateway")
public interface GatewayConfig {

    /** The name of the store {@link #bucket()} and {@code quarkus.s3.*} describe (the ledger's default too). */
    String DEFAULT_STORE = "default";

    /** The bucket that receives every upload. */
    String bucket();

    /**
     * First segment of every object key: {@code <prefix>/<deployment>/<owner>/<uploadId>/<filename>}
     * (the deployment id is drawn with the ledger: upload.ledger.KeySpace).
     */
    @WithDefault("uploads")
    String keyPrefix();

    /** {@link #keyPrefix()} as the start of a key: without outer slashes, ending in one ({@code ""} for no prefix). */
    default String keyRoot() {
        return rootOf(keyPrefix());
    }

    /**
     * The staging area of single-request uploads' forms, under the key prefix: {@code <prefix>/staging/}
     * (each deployment writes under {@code staging/<deployment>/}; a lifecycle rule covers them all).
     * ({@code staging} is no deployment id: those are twelve characters.)
     */
    default String stagingRoot() {
        return keyRoot() + "staging/";
    }

    static String rootOf(String keyPrefix) {
        String clean = keyPrefix == null ? "" : keyPrefix.replaceAll("^/+|/+$", "");
        return clean.isEmpty() ? "" : clean + "/";
    }

    /** Largest upload accepted, in bytes (suffixes K, M, G, T allowed). Capped by the S3 object limit. */
    @WithDefault("53687091200000")
    MemorySize maxUploadSize();

    /**
     * Most bytes one presigned POST ({@code /s3/params}) takes when the app does not say the file's
     * size: what each open form reserves of its owner's bytes quota. Uppy sends files up to 100 MiB
     * this way by default. Capped by {@code max-upload-size} and S3's 5 GiB for one request.
     */
    @WithDefault("100M")
    MemorySize singleRequestMaxSize();

    /**
     * Content types an upload may declare (and, with {@code verify-content}, its bytes may be):
     * patterns like {@code video/*}, {@code image/png}; {@code *}{@code /*} allows every type.
     */
    @WithDefault("*/*")
    java.util.List<String> allowedContentTypes();

    /**
     * Check at completion that the object's first bytes are what was declared (type detection by
     * magic bytes); a mismatch rejects the upload and deletes the object.
     */
    @WithDefault("false")
    boolean verifyContent();

    /**
     * The additional checksum (SHA256, SHA1, CRC32, CRC32C) of uploads whose create request names
     * none: each part's URL is then signed for the checksum the client sends at presign. Empty
     * (the default): none, unless the client asks for one.
     */
    Optional<String> checksumAlgorithm();

    /** What the default store (the bucket above, {@code quarkus.s3.*}) supports beyond the core of S3. */
    StoreConfig store();

    /**
     * Stores beside the default one, by name ({@code gateway.stores.<name>.bucket}, …): an upload is
     * put in one chosen at create (the pre-create hook's answer, else the caller's
     * {@link #storeClaim()}, else {@code default}) and stays there.
     */
    Map<String, NamedStoreConfig> stores();

    /**
     * A claim of the caller's token (e.g. {@code tenant}) whose value chooses the store of its uploads
     * through {@link #storeByClaim()} when the pre-create hook names none; unset: no claim chooses.
     */
    Optional<String> storeClaim();

    /** {@link #storeClaim()}'s value → store name ({@code gateway.store-by-claim.acme=acme}); other values: {@code default}. */
    Map<String, String> storeByClaim();


    QuotaConfig quota();

    AuthCookieConfig authCookie();

    AutoCompleteConfig autoComplete();

    /** The processing stage after completion (its steps: {@link #scan()}, a webhook). */
    ProcessingConfig processing();

    /** The virus scan step ({@code gateway.scan.clamd}). */
    ScanConfig scan();

    /** Whether any processing step is configured: then a completion leads to PROCESSING, not straight to COMPLETED. */
    default boolean processes() {
        return scan().clamd().filter(address -> !address.isBlank()).isPresent()
                || processing().webhook().url().filter(url -> !url.isBlank()).isPresent();
    }

    /** Part size chosen when the client does not ask for one (raised when the upload needs more than 10,000 parts). */
    @WithDefault("16M")
    MemorySize defaultPartSize();

    /** Create the bucket at startup when it does not exist (dev and tests; leave off in production). */
    @WithDefault("false")
    boolean createBucket();

    /** An upload idle (no create, presign, part record or sync) this long expires; {@code expiresAt} tracks it. */
    @WithDefault("P7D")
    Duration uploadTtl();

    /**
     * Presigning records activity at most once per this interval per upload, so parallel signs of
     * one upload never queue on its row: {@code lastActivityAt} may lag presign calls by this much.
     */
    @WithDefault("PT1M")
    Duration activityInterval();

    /** An UPLOADING upload with no activity for this long is "stalled" in the admin view. */
    @WithDefault("PT1H")
    Duration stalledAfter();

    /** Run the janitor on its schedule (tests turn it off and sweep explicitly, with a moved clock). */
    @WithDefault("true")
    boolean janitorEnabled();

    /** How often the janitor expires idle uploads and sweeps orphaned multipart uploads. */
    @WithDefault("PT5M")
    Duration janitorInterval();

    /** How long after startup the janitor's first sweep runs. */
    @WithDefault("PT30S")
    Duration janitorFirstDelay();

    /** Uploads the janitor claims for expiry per short transaction (a sweep goes on batch after batch). */
    @WithDefault("100")
    int janitorBatchSize();

    /**
     * How long one sweep may hold the janitor's lease; another replica may start a sweep once it
     * runs out (a crashed sweep never blocks the janitor for longer).
     */
    @WithDefault("PT15M")
    Duration janitorLease();

    /**
     * The oldest an upload may get, however active: an UPLOADING upload created longer ago is
     * expired. The bucket's lifecycle rule is set above it, so it never kills an upload the
     * ledger still considers alive.
     */
    @WithDefault("P30D")
    Duration maxUploadAge();

    /**
     * Abort multipart uploads under this deployment's root ({@code <prefix>/<deployment>/}) that no
     * ledger row owns (needs a non-empty key prefix).
     */
    @WithDefault("true")
    boolean orphanSweepEnabled();

    /** Longest one orphan sweep may take (listing and aborts); the rest waits for the next sweep. */
    @WithDefault("PT2M")
    Duration orphanSweepTimeout();

    /**
     * A multipart upload under the key prefix that the ledger does not know is aborted once it
     * is this old (a crash between CreateMultipartUpload and the ledger insert leaves one).
     */
    @WithDefault("PT1H")
    Duration orphanGrace();

    /** Put the bucket's CORS rule and abort-incomplete-multipart lifecycle rule at startup. */
    @WithDefault("false")
    boolean manageBucket();

    /**
     * Days after which the bucket's lifecycle rule aborts incomplete multipart uploads (a backstop
     * behind the janitor). Default: {@code max-upload-age} in whole days, plus one. Must exceed
     * {@code max-upload-age}.
     */
    OptionalInt lifecycleAbortDays();

    /** The lifecycle rule's days as configured, or one day beyond the longest an upload may live. */
    default int effectiveLifecycleAbortDays() {
        return lifecycleAbortDays().orElse((int) Math.min(Integer.MAX_VALUE, maxUploadAge().toDays() + 1));
    }

    /** Origins allowed by the bucket CORS rule written when {@code manage-bucket} is on. */
    @WithDefault("*")
    java.util.List<String> corsAllowedOrigins();

    // --- the edge: who operates, how much one request may carry

    /**
     * The JWT group (the token's {@code groups} claim) that opens the operators' API
     * ({@code /api/v1/admin/*}). Name a group your identity provider reserves for operators;
     * {@code admin} only if that is what it is.
     */
    @WithDefault("upload-gateway-admin")
    String adminRole();

    /**
     * Largest request body the API reads ({@code 413 body_too_large} beyond). A presign call for
     * 1,000 parts with a checksum each is about 120 KB.
     */
    @WithDefault("256K")
    MemorySize maxRequestBody();

    PresignConfig presign();

    ListingConfig listing();

    StorageConfig storage();

    LedgerConfig ledger();

    ClaimsConfig claims();

    /** Webhook delivery of upload events (docs/api.md#events); off while {@code url} is unset. */
    WebhookConfig webhook();

    /** The upload events' pull feed and retention. */
    EventsConfig events();

    /** What the ledger keeps of uploads that ended, and for how long (run by the janitor). */
    RetentionConfig retention();

    /** Calls the gateway makes to the app backend before it acts; each off while its URL is unset. */
    HookConfig hook();

}
