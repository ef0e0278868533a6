package io.uploadgateway.storage.presign;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Presigns S3 {@code UploadPart} and {@code GetObject} URLs with AWS Signature Version 4 in the
 * query string ({@code X-Amz-Algorithm=AWS4-HMAC-SHA256}, {@code UNSIGNED-PAYLOAD}), producing
 * the same URL, byte for byte, as the AWS SDK's {@code S3Presigner} 2.42.7 would at the same
 * second with the same credentials, endpoint and request.
 *
 * <p>How to use it:
 * <pre>{@code
 * // once
 * SigV4Presigner signer = new SigV4Presigner(S3Endpoint.custom(URI.create("http://127.0.0.1:9000"), "us-east-1", true));
 * // whenever the credentials change
 * SigningCredentials credentials = SigningCredentials.of(accessKeyId, secretKey, sessionTokenOrNull);
 * // once per upload
 * UploadPartTarget upload = signer.uploadPartTarget(bucket, key, uploadId);
 * // per URL
 * PresignedUrl url = signer.presignUploadPart(upload, partNumber, partSize, Duration.ofMinutes(15), credentials);
 * }</pre>
 *
 * <p>Per URL it writes the canonical request, the string to sign and the URL into per-thread
 * buffers, hashes with a per-thread {@code MessageDigest} and signs with a per-thread
 * {@code Mac} holding the day's signing key, which is derived once per credentials and UTC day
 * and cached ({@link SigningKeyCache}). No reflection, builders, regular expressions,
 * formatters or streams on that path; what it allocates is essentially the URL string and the
 * result. Thread-safe: everything shared is immutable, everything mutable is per thread.
 */
public final class SigV4Presigner {

    /** Pass as the content length to leave {@code content-length} unsigned. */
    public static final long UNSIGNED_CONTENT_LENGTH = -1;
    /** S3's limits on {@code X-Amz-Expires}. */
    public static final long MIN_EXPIRY_SECONDS = 1;
    public static final long MAX_EXPIRY_SECONDS = 604_800;
    /** S3's part numbers. */
    public static final int MAX_PART_NUMBER = 10_000;

    static final String SERVICE = "s3";
    static final byte[] TERMINATOR = AsciiBuffer.ascii("aws4_request");

    private static final byte[] CANONICAL_QUERY_START = AsciiBuffer.ascii("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=");
    private static final byte[] DATE_PARAM = AsciiBuffer.ascii("&X-Amz-Date=");
    static final byte[] EXPIRES_PARAM = AsciiBuffer.ascii("&X-Amz-Expires=");
    private static final byte[] TOKEN_PARAM = AsciiBuffer.ascii("&X-Amz-Security-Token=");
    static final byte[] SIGNED_HEADERS_PARAM = AsciiBuffer.ascii("&X-Amz-SignedHeaders=");
    private static final byte[] PART_NUMBER_PARAM = AsciiBuffer.ascii("&partNumber=");
    private static final byte[] DISPOSITION_NAME = AsciiBuffer.ascii("response-content-disposition=");
    private static final byte[] TYPE_NAME = AsciiBuffer.ascii("response-content-type=");
    private static final byte[] UNSIGNED_PAYLOAD_TAIL = AsciiBuffer.ascii("\nUNSIGNED-PAYLOAD");

    static final byte[] CONTENT_LENGTH = AsciiBuffer.ascii("content-length");
    static final byte[] CONTENT_MD5 = AsciiBuffer.ascii("content-md5");
    static final byte[] HOST = AsciiBuffer.ascii("host");
    static final byte[] SDK_CHECKSUM_ALGORITHM = AsciiBuffer.ascii("x-amz-sdk-checksum-algorithm");
    static final byte[] SEMICOLON = AsciiBuffer.ascii(";");
    static final byte[] ENCODED_SEMICOLON = AsciiBuffer.ascii("%3B");

    private final S3Endpoint endpoint;
    private final Clock clock;
    private final SigningKeyCache keys;
    private final ThreadLocal<SigningScratch> scratch = ThreadLocal.withInitial(SigningScratch::new);

    /** A signer for one endpoint and region, on the system clock. */
    public SigV4Presigner(S3Endpoint endpoint) {
        this(endpoint, Clock.systemUTC());
    }

    /** A signer for one endpoint and region; {@code clock} supplies the signing time ({@code X-Amz-Date}). */
    public SigV4Presigner(S3Endpoint endpoint, Clock clock) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.keys = new SigningKeyCache(endpoint.region(), SERVICE);
        // fail now, not on the first URL, if this JVM lacks the algorithms
        scratch.get();
    }

    public S3Endpoint endpoint() {
        return endpoint;
    }

    /**
     * Precomputes the parts of an upload's part URLs that never change: do this once per upload
     * (or per presign batch) and keep the result. The key is taken as it is, not normalised:
     * {@code a//b}, {@code ./} and {@code ../} stay in the path, as the SDK leaves them.
     */
    public UploadPartTarget uploadPartTarget(String bucket, String key, String uploadId) {
        requireKey(key);
        Objects.requireNonNull(uploadId, "uploadId");
        if (uploadId.isEmpty()) {
            throw new IllegalArgumentException("uploadId is empty");
        }
        S3Endpoint.Addressing address = endpoint.address(bucket);
        AsciiBuffer path = address.path(key);
        byte[] urlPrefix = new AsciiBuffer(128 + path.length).putAscii(address.scheme()).putAscii("://")
                .putAscii(address.authority()).put(path.bytes, 0, path.length).putAscii("?partNumber=").toByteArray();
        byte[] uploadIdParam = new AsciiBuffer(16 + uploadId.length() * 3).putAscii("&uploadId=")
                .putUriEncoded(uploadId, false).toByteArray();
        byte[] canonicalHead = new AsciiBuffer(8 + path.length).putAscii("PUT\n").put(path.bytes, 0, path.length)
                .put((byte) '\n').toByteArray();
        return new UploadPartTarget(this, bucket, key, uploadId, urlPrefix, uploadIdParam, canonicalHead,
                hostLine(address));
    }

    /** Precomputes the parts of an object's GetObject URLs that never change; see {@link #uploadPartTarget}. */
    public ObjectTarget objectTarget(String bucket, String key) {
        requireKey(key);
        S3Endpoint.Addressing address = endpoint.address(bucket);
        AsciiBuffer path = address.path(key);
        byte[] urlPrefix = new AsciiBuffer(128 + path.length).putAscii(address.scheme()).putAscii("://")
                .putAscii(address.authority()).put(path.bytes, 0, path.length).put((byte) '?').toByteArray();
        byte[] canonicalHead = new AsciiBuffer(8 + path.length).putAscii("GET\n").put(path.bytes, 0, path.length)
                .put((byte) '\n').toByteArray();
        return new ObjectTarget(this, bucket, key, urlPrefix, canonicalHead, hostLine(address));
    }

    private static byte[] hostLine(S3Endpoint.Addressing address) {
        return AsciiBuffer.ascii("host:" + address.authority() + "\n");
    }

    private static void requireKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key is empty");
        }
    }

    /**
     * An UploadPart URL ({@code PUT ?partNumber=N&uploadId=ID}).
     *
     * @param contentLength the part's exact size, signed as {@code content-length} (S3 then
     *                      refuses a body of another size), or {@link #UNSIGNED_CONTENT_LENGTH}
     * @param expiry        1 s to 7 days; whole seconds count ({@code X-Amz-Expires})
     * @param credentials   the credentials current now
     */
    public PresignedUrl presignUploadPart(UploadPartTarget target, int partNumber, long contentLength, Duration expiry,
                                         SigningCredentials credentials) {
        return presignUploadPart(target, partNumber, contentLength, PartHeaders.NONE, expiry, credentials);
    }

    /** As {@link #presignUploadPart(UploadPartTarget, int, long, Duration, SigningCredentials)}, also signing {@code headers}. */
    public PresignedUrl presignUploadPart(UploadPartTarget target, int partNumber, long contentLength, PartHeaders headers,
                                         Duration expiry, SigningCredentials credentials) {
        if (target.owner != this) {
            throw new IllegalArgumentException("target was made by another signer: " + target);
        }
        if (partNumber < 1 || partNumber > MAX_PART_NUMBER) {
            throw new IllegalArgumentException("partNumber must be 1.." + MAX_PART_NUMBER + ": " + partNumber);
        }
        if (contentLength < UNSIGNED_CONTENT_LENGTH) {
            throw new IllegalArgumentException("contentLength must be >= 0: " + contentLength);
        }
        Objects.requireNonNull(headers, "headers");
        long expires = expirySeconds(expiry);
        Objects.requireNonNull(credentials, "credentials");

        SigningScratch s = scratch.get();
        long second = signingSecond();
        SigningKeyCache.SigningKey key = keys.get(credentials, Math.floorDiv(second, SigV4Time.SECONDS_PER_DAY));
        byte[] dateTime = s.dateTime(second);
        boolean signLength = contentLength != UNSIGNED_CONTENT_LENGTH;

        AsciiBuffer c = s.canonical.reset();
        c.put(target.canonicalHead);
        c.put(CANONICAL_QUERY_START).put(key.encodedCredential);
        c.put(DATE_PARAM).put(dateTime);
        c.put(EXPIRES_PARAM).putDecimal(expires);
        if (credentials.encodedSessionToken != null) {
            c.put(TOKEN_PARAM).put(credentials.encodedSessionToken);
        }
        c.put(SIGNED_HEADERS_PARAM);
        SignedQuery.putSignedHeaders(c, signLength, headers, ENCODED_SEMICOLON);
        c.put(PART_NUMBER_PARAM).putDecimal(partNumber).put(target.uploadIdParam).put((byte) '\n');
        if (signLength) {
            c.put(CONTENT_LENGTH).put((byte) ':').putDecimal(contentLength).put((byte) '\n');
        }
        if (headers.contentMd5 != null) {
            c.put(CONTENT_MD5).put((byte) ':').putAscii(headers.contentMd5).put((byte) '\n');
        }
        c.put(target.hostLine);
        if (headers.checksumAlgorithm != null) {
            c.put(headers.checksumAlgorithm.headerLine).putAscii(headers.checksumValue).put((byte) '\n');
        }
        if (headers.sdkChecksumAlgorithm != null) {
            c.put(SDK_CHECKSUM_ALGORITHM).put((byte) ':').put(headers.sdkChecksumAlgorithm.sdkAlgorithmValue).put((byte) '\n');
        }
        c.put((byte) '\n');
        SignedQuery.putSignedHeaders(c, signLength, headers, SEMICOLON);
        c.put(UNSIGNED_PAYLOAD_TAIL);
        byte[] signature = s.sign(c, dateTime, key);

        AsciiBuffer u = s.url.reset();
        u.put(target.urlPrefix).putDecimal(partNumber).put(target.uploadIdParam).put((byte) '&');
        SignedQuery.putAuthParams(u, credentials, dateTime, key, expires, signature, signLength, headers);
        return new PresignedUrl(u.toString(), "PUT", s.requiredHeaders(signLength, contentLength, headers),
                Instant.ofEpochSecond(second + expires));
    }

    /**
     * A GetObject URL; S3 answers with the given {@code Content-Disposition} and
     * {@code Content-Type} instead of the stored ones when they are not null (an empty string
     * is sent as an empty parameter, as the SDK does).
     */
    public PresignedUrl presignGetObject(ObjectTarget target, String responseContentDisposition, String responseContentType,
                                         Duration expiry, SigningCredentials credentials) {
        if (target.owner != this) {
            throw new IllegalArgumentException("target was made by another signer: " + target);
        }
        long expires = expirySeconds(expiry);
        Objects.requireNonNull(credentials, "credentials");

        SigningScratch s = scratch.get();
        long second = signingSecond();
        SigningKeyCache.SigningKey key = keys.get(credentials, Math.floorDiv(second, SigV4Time.SECONDS_PER_DAY));
        byte[] dateTime = s.dateTime(second);

        AsciiBuffer c = s.canonical.reset();
        c.put(target.canonicalHead);
        c.put(CANONICAL_QUERY_START).put(key.encodedCredential);
        c.put(DATE_PARAM).put(dateTime);
        c.put(EXPIRES_PARAM).putDecimal(expires);
        if (credentials.encodedSessionToken != null) {
            c.put(TOKEN_PARAM).put(credentials.encodedSessionToken);
        }
        c.put(SIGNED_HEADERS_PARAM).put(HOST);
        // "&response-content-disposition=..&response-content-type=..", encoded once: the URL reuses it
        int overridesStart = c.length;
        if (responseContentDisposition != null) {
            c.put((byte) '&').put(DISPOSITION_NAME).putUriEncoded(responseContentDisposition, false);
        }
        if (responseContentType != null) {
            c.put((byte) '&').put(TYPE_NAME).putUriEncoded(responseContentType, false);
        }
        int overridesEnd = c.length;
        c.put((byte) '\n');
        c.put(target.hostLine);
        c.put((byte) '\n').put(HOST).put(UNSIGNED_PAYLOAD_TAIL);
        byte[] signature = s.sign(c, dateTime, key);

        AsciiBuffer u = s.url.reset();
        u.put(target.urlPrefix);
        if (overridesEnd > overridesStart) {
            // the same parameters in the same order, '&' after each instead of before
            u.put(c.bytes, overridesStart + 1, overridesEnd - overridesStart - 1).put((byte) '&');
        }
        SignedQuery.putAuthParams(u, credentials, dateTime, key, expires, signature, false, PartHeaders.NONE);
        return new PresignedUrl(u.toString(), "GET", Map.of(), Instant.ofEpochSecond(second + expires));
    }

    /**
     * A presigned POST of one object (S3's browser-based upload with a POST policy), for Uppy's
     * single-request path. The AWS SDK for Java v2 has no POST presigner, so {@link PostPolicy}
     * writes and signs the policy, with the same derived signing key and credential scope as every
     * presigned URL: bucket, key and Content-Type fixed, the body 0 to {@code maxContentLength}.
     * @param maxContentLength the most bytes the object may have (0 allows only an empty file)
     * @param expiry           1 s to 7 days; the policy's {@code expiration}
     */
    public PostPolicy presignPost(String bucket, String key, String contentType, long maxContentLength, Duration expiry,
                                  SigningCredentials credentials) {
        requireKey(key);
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(credentials, "credentials");
        if (maxContentLength < 0) {
            throw new IllegalArgumentException("maxContentLength is negative: " + maxContentLength);
        }
        long expires = expirySeconds(expiry);
        long second = signingSecond();
        SigningKeyCache.SigningKey signingKey = keys.get(credentials, Math.floorDiv(second, SigV4Time.SECONDS_PER_DAY));
        S3Endpoint.Addressing address = endpoint.address(bucket);
        return PostPolicy.signed(address.scheme() + "://" + address.authority() + address.keyPrefix(), bucket, key, contentType,
                maxContentLength, second, Instant.ofEpochSecond(second + expires), credentials, signingKey);
    }

    private long signingSecond() {
        long second = Math.floorDiv(clock.millis(), 1000);
        if (second < SigV4Time.MIN_EPOCH_SECOND || second > SigV4Time.MAX_EPOCH_SECOND - MAX_EXPIRY_SECONDS) {
            throw new IllegalStateException("clock out of range: " + second);
        }
        return second;
    }

    private static long expirySeconds(Duration expiry) {
        Objects.requireNonNull(expiry, "expiry");
        long seconds = expiry.getSeconds();
        if (seconds < MIN_EXPIRY_SECONDS || seconds > MAX_EXPIRY_SECONDS || (seconds == MAX_EXPIRY_SECONDS && expiry.getNano() != 0)) {
            throw new IllegalArgumentException("expiry must be between 1 second and 7 days: " + expiry);
        }
        return seconds;
    }

    /** How many signing keys this signer derived so far: one per credentials and UTC day in use. */
    public long signingKeyDerivations() {
        return keys.derivations();
    }
}
