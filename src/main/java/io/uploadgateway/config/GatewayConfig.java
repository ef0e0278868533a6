package io.uploadgateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Everything an operator can set for the gateway, under {@code gateway.*}
 * (env form {@code GATEWAY_*}). Datasource and S3 connection settings use the standard
 * {@code quarkus.datasource.*} and {@code quarkus.s3.*} keys instead.
 */
@ConfigMapping(prefix = "gateway")
public interface GatewayConfig {

    /** The bucket that receives every upload. */
    String bucket();

    /** First segment of every object key: {@code <prefix>/<owner>/<uploadId>/<filename>}. */
    @WithDefault("uploads")
    String keyPrefix();

    /** {@link #keyPrefix()} as the start of a key: without outer slashes, ending in one ({@code ""} for no prefix). */
    default String keyRoot() {
        return rootOf(keyPrefix());
    }

    static String rootOf(String keyPrefix) {
        String clean = keyPrefix == null ? "" : keyPrefix.replaceAll("^/+|/+$", "");
        return clean.isEmpty() ? "" : clean + "/";
    }

    /** Largest upload accepted, in bytes (suffixes K, M, G, T allowed). Capped by the S3 object limit. */
    @WithDefault("53687091200000")
    MemorySize maxUploadSize();

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

    Store store();

    Quota quota();

    AuthCookie authCookie();

    AutoComplete autoComplete();

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

    /** Abort multipart uploads under the key prefix that no ledger row owns (needs a non-empty key prefix). */
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

    Presign presign();

    Listing listing();

    Storage storage();

    Ledger ledger();

    Claims claims();

    /** Webhook delivery of upload events (docs/api.md#events); off while {@code url} is unset. */
    Webhook webhook();

    /** The upload events' pull feed and retention. */
    Events events();

    /** Calls the gateway makes to the app backend before it acts; each off while its URL is unset. */
    Hook hook();

    /** What the object store supports beyond the core of S3. */
    interface Store {
        /**
         * Whether the store checks additional checksums ({@code x-amz-checksum-*} on UploadPart of
         * an upload created with a checksum algorithm). Off: a client asking for one gets a 400.
         */
        @WithDefault("true")
        boolean additionalChecksums();
    }

    interface Presign {
        /** Lifetime of a presigned URL when the client does not ask for one. */
        @WithDefault("PT15M")
        Duration defaultExpiry();

        /** Longest lifetime a client may ask for (S3 itself allows at most 7 days). */
        @WithDefault("PT12H")
        Duration maxExpiry();
    }

    interface Listing {
        @WithDefault("20")
        int defaultLimit();

        @WithDefault("100")
        int maxLimit();
    }

    /** Bounds on every S3 call: a hung or crawling endpoint fails a call, never a thread or the pool. */
    interface Storage {
        /** Longest any S3 call may take, retries included (CompleteMultipartUpload, each ListParts page, …). */
        @WithDefault("PT30S")
        Duration callTimeout();

        /** Longest one HTTP attempt of a quick call (create, head, abort, a listing page) before the SDK retries. */
        @WithDefault("PT10S")
        Duration attemptTimeout();

        /** Longest a new TCP/TLS connection to S3 may take to open. */
        @WithDefault("PT5S")
        Duration connectTimeout();

        /** Longest a call may wait for a free connection of the client's pool. */
        @WithDefault("PT10S")
        Duration acquireTimeout();

        /** Connections to S3 open at once (the CRT client's pool). */
        @WithDefault("64")
        int maxConnections();

        /** A connection moving fewer bytes per second than this for {@code min-throughput-timeout} is dropped. */
        @WithDefault("1024")
        long minThroughputBytesPerSecond();

        @WithDefault("PT10S")
        Duration minThroughputTimeout();
    }

    /** Bounds on the gateway's PostgreSQL sessions, so a stuck query or lock fails instead of holding a connection. */
    interface Ledger {
        /** PostgreSQL {@code statement_timeout} of every gateway session. */
        @WithDefault("PT15S")
        Duration statementTimeout();

        /** PostgreSQL {@code lock_timeout}: the longest a statement waits for a row lock. */
        @WithDefault("PT5S")
        Duration lockTimeout();

        /** PostgreSQL {@code idle_in_transaction_session_timeout}. */
        @WithDefault("PT1M")
        Duration idleInTransactionTimeout();

        /** Longest a request waits for a free connection of the pool before failing with 503. */
        @WithDefault("PT5S")
        Duration acquireTimeout();
    }

    /** Transitions that wait on S3 (complete, abort, expiry) claim the upload instead of locking it. */
    interface Claims {
        /** How long a second call waits for the transition in flight before answering 409 upload_busy. */
        @WithDefault("PT10S")
        Duration waitFor();

        /**
         * A claim older than this died with its replica (a crash between claim and finish) and is
         * taken over. Must exceed the longest S3 work of a transition.
         */
        @WithDefault("PT2M")
        Duration staleAfter();
    }

    /**
     * The bearer token in a cookie, for the {@code /s3} routes only (Uppy's {@code @uppy/aws-s3}
     * adds no header to its calls). {@code POST /s3/session} sets it from the Authorization header.
     */
    interface AuthCookie {
        /** The cookie's name ({@code GATEWAY_AUTH_COOKIE_NAME}). */
        @WithDefault("gateway_token")
        String name();

        /** Whether the cookie is set with {@code Secure} (keep it on; browsers treat http://localhost as secure too). */
        @WithDefault("true")
        boolean secure();
    }

    /** Limits per owner; an operator can override them per owner (admin API). Unset means unlimited. */
    interface Quota {
        /** Most uploads one owner may have open (UPLOADING, COMPLETING, ABORTING) at once. */
        java.util.OptionalInt maxActiveUploads();

        /** Most bytes one owner may have in flight: declared sizes of open uploads. */
        java.util.Optional<MemorySize> maxBytesInFlight();
    }

    /** Server-side completion of uploads created with {@code autoComplete} (apps that sleep before they could complete). */
    interface AutoComplete {
        /** Whether an upload is auto-completed when its create request does not say. */
        @WithName("default")
        @WithDefault("false")
        boolean byDefault();

        /** The shortest pause between two looks at one upload (the floor of the back-off). */
        @WithDefault("PT1M")
        Duration checkInterval();

        /** The longest pause between two looks while parts stay missing. */
        @WithDefault("PT1H")
        Duration maxCheckInterval();

        /** How often each replica asks the ledger for uploads due a look. */
        @WithDefault("PT5S")
        Duration poll();

        /** Uploads one replica looks at per poll. */
        @WithDefault("20")
        int batchSize();

        /** The transfer rate assumed when a lease is handed out, to schedule the first look after it. */
        @WithDefault("1M")
        MemorySize assumedBytesPerSecond();
    }

    /** Webhooks in the Standard Webhooks format: one signed POST per event, retried until delivered or dead. */
    interface Webhook {
        /** The app backend's receiver; no webhooks while unset (events still go to the pull feed). */
        Optional<String> url();

        /** {@code whsec_} + base64 of the HMAC-SHA256 key; required with a URL. */
        Optional<String> secret();

        /** Longest one delivery attempt may take, connect to last byte; a slower answer counts as a failure. */
        @WithDefault("PT10S")
        Duration timeout();

        /** Wait before the first retry; doubled per failed attempt (with jitter) up to {@code max-backoff}. */
        @WithDefault("PT5S")
        Duration minBackoff();

        @WithDefault("PT1H")
        Duration maxBackoff();

        /** An event not delivered this long after it was written (or redelivered) is {@code dead}. */
        @WithDefault("P3D")
        Duration maxAge();

        /** Only these event types are sent (e.g. {@code upload.completed}); all while unset. */
        Optional<List<String>> eventTypes();

        /** Deliveries in flight at once per replica (and its connections to the receiver). */
        @WithDefault("8")
        int concurrency();

        /** How often an idle dispatcher looks for due events (it is also woken by this replica's own commits). */
        @WithDefault("PT1S")
        Duration pollInterval();
    }

    interface Events {
        /** The JWT group whose tokens may read {@code GET /api/v1/events} (backend services). */
        @WithDefault("events")
        String feedGroup();

        /** Delivered (and never-to-be-sent) events are pruned this long after delivery (or writing). */
        @WithDefault("P7D")
        Duration retention();

        /** Dead events are kept this long for operators to redeliver, then pruned. */
        @WithDefault("P30D")
        Duration deadRetention();

        /** How often a replica prunes events past their retention. */
        @WithDefault("PT10M")
        Duration pruneInterval();
    }

    interface Hook {
        /** POSTed the signed intent before every create; 2xx allows, 4xx rejects; off while unset. */
        Optional<String> preCreateUrl();

        /** Longest the create waits for the hook; then it fails closed with 503 hook_unavailable. */
        @WithDefault("PT5S")
        Duration preCreateTimeout();

        /** {@code whsec_} key that signs hook calls; defaults to the webhook secret. */
        Optional<String> preCreateSecret();
    }
}
