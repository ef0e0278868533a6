package io.uploadgateway.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

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

    /** Part size chosen when the client does not ask for one (raised when the upload needs more than 10,000 parts). */
    @WithDefault("16M")
    MemorySize defaultPartSize();

    /** Create the bucket at startup when it does not exist (dev and tests; leave off in production). */
    @WithDefault("false")
    boolean createBucket();

    /** An upload idle (no create, presign, part record or sync) this long expires; {@code expiresAt} tracks it. */
    @WithDefault("P7D")
    Duration uploadTtl();

    /** An UPLOADING upload with no activity for this long is "stalled" in the admin view. */
    @WithDefault("PT1H")
    Duration stalledAfter();

    /** Run the janitor on its schedule (tests turn it off and sweep explicitly, with a moved clock). */
    @WithDefault("true")
    boolean janitorEnabled();

    /** How often the janitor expires idle uploads and sweeps orphaned multipart uploads. */
    @WithDefault("PT5M")
    Duration janitorInterval();

    /** Most uploads the janitor expires in one sweep (the rest wait for the next). */
    @WithDefault("500")
    int janitorBatchSize();

    /**
     * A multipart upload under the key prefix that the ledger does not know is aborted once it
     * is this old (a crash between CreateMultipartUpload and the ledger insert leaves one).
     */
    @WithDefault("PT1H")
    Duration orphanGrace();

    /** Put the bucket's CORS rule and abort-incomplete-multipart lifecycle rule at startup. */
    @WithDefault("false")
    boolean manageBucket();

    /** Days after which the bucket's lifecycle rule aborts incomplete multipart uploads (backstop for the janitor). */
    @WithDefault("8")
    int lifecycleAbortDays();

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
}
