package io.uploadgateway.storage.presign;

import io.uploadgateway.support.TestClock;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's contract apart from the SDK: a published vector, limits, input checks, allocation. */
class SigV4PresignerTest {

    private static final SigningCredentials CREDENTIALS = SigningCredentials.of("AKID", "SECRET");
    private final TestClock clock = TestClock.at(Instant.parse("2026-11-30T12:00:00Z"));
    private final SigV4Presigner engine = new SigV4Presigner(
            S3Endpoint.custom(URI.create("http://127.0.0.1:9000"), "us-east-1", true), clock);
    private final UploadPartTarget target = engine.uploadPartTarget("bucket", "key", "upload");

    /**
     * The presigned GetObject example of S3's "Authenticating Requests: Using Query Parameters
     * (AWS Signature Version 4)" page: examplebucket/test.txt, 2013-05-24, 86400 s.
     */
    @Test
    void awsDocumentationExample() {
        SigV4Presigner aws = new SigV4Presigner(S3Endpoint.aws("us-east-1"), TestClock.at(Instant.parse("2013-05-24T00:00:00Z")));
        PresignedUrl url = aws.presignGetObject(aws.objectTarget("examplebucket", "test.txt"), null, null, Duration.ofSeconds(86400),
                SigningCredentials.of("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        assertEquals("https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20130524T000000Z"
                + "&X-Amz-SignedHeaders=host&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Expires=86400&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404", url.url());
        assertEquals(Instant.parse("2013-05-25T00:00:00Z"), url.expiresAt());
    }

    @Test
    void uploadPartUrlShape() {
        PresignedUrl url = engine.presignUploadPart(target, 7, 16_777_216, Duration.ofSeconds(900), CREDENTIALS);
        assertEquals("PUT", url.method());
        assertEquals(Map.of("Content-Length", "16777216"), url.headers());
        assertTrue(url.url().startsWith("http://127.0.0.1:9000/bucket/key?partNumber=7&uploadId=upload&X-Amz-Algorithm="
                + "AWS4-HMAC-SHA256&X-Amz-Date=20261130T120000Z&X-Amz-SignedHeaders=content-length%3Bhost&X-Amz-Credential="
                + "AKID%2F20261130%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Expires=900&X-Amz-Signature="), url.url());
        assertEquals(Instant.parse("2026-11-30T12:15:00Z"), url.expiresAt());
        // no content length: only host is signed
        PresignedUrl unsigned = engine.presignUploadPart(target, 7, SigV4Presigner.UNSIGNED_CONTENT_LENGTH, Duration.ofSeconds(900),
                CREDENTIALS);
        assertEquals(Map.of(), unsigned.headers());
        assertTrue(unsigned.url().contains("&X-Amz-SignedHeaders=host&"));
    }

    @Test
    void everyIntegrityHeaderIsReturnedForTheClient() {
        PartHeaders headers = PartHeaders.contentMd5("1B2M2Y8AsgTpgAmY7PhCfg==")
                .withChecksum(ChecksumAlgorithm.CRC32C, "AAAAAA==")
                .withSdkChecksumAlgorithm(ChecksumAlgorithm.CRC32C);
        PresignedUrl url = engine.presignUploadPart(target, 1, 0, headers, Duration.ofSeconds(60), CREDENTIALS);
        assertEquals(Map.of("Content-Length", "0", "Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==", "x-amz-checksum-crc32c", "AAAAAA==",
                "x-amz-sdk-checksum-algorithm", "CRC32C"), url.headers());
        assertTrue(url.url().contains("&X-Amz-SignedHeaders=content-length%3Bcontent-md5%3Bhost%3Bx-amz-checksum-crc32c"
                + "%3Bx-amz-sdk-checksum-algorithm&"), url.url());
    }

    @Test
    void expiryLimits() {
        assertEquals(clock.instant().plusSeconds(1),
                engine.presignUploadPart(target, 1, 1, Duration.ofSeconds(1), CREDENTIALS).expiresAt());
        assertEquals(clock.instant().plusSeconds(604_800),
                engine.presignUploadPart(target, 1, 1, Duration.ofDays(7), CREDENTIALS).expiresAt());
        // fractions of a second do not count: X-Amz-Expires is whole seconds
        assertEquals(clock.instant().plusSeconds(90),
                engine.presignUploadPart(target, 1, 1, Duration.ofMillis(90_999), CREDENTIALS).expiresAt());
        for (Duration bad : new Duration[]{Duration.ZERO, Duration.ofMillis(999), Duration.ofSeconds(-5),
                Duration.ofSeconds(604_801), Duration.ofDays(7).plusNanos(1)}) {
            assertThrows(IllegalArgumentException.class, () -> engine.presignUploadPart(target, 1, 1, bad, CREDENTIALS), bad.toString());
            assertThrows(IllegalArgumentException.class,
                    () -> engine.presignGetObject(engine.objectTarget("bucket", "key"), null, null, bad, CREDENTIALS), bad.toString());
        }
    }

    @Test
    void expiresAtIsTheSigningSecondPlusTheExpiry() {
        clock.set(Instant.parse("2026-11-30T12:00:00.999Z"));
        assertEquals(Instant.parse("2026-11-30T12:01:00Z"),
                engine.presignUploadPart(target, 1, 1, Duration.ofSeconds(60), CREDENTIALS).expiresAt());
    }

    @Test
    void badInputIsRefused() {
        Duration minute = Duration.ofMinutes(1);
        assertThrows(IllegalArgumentException.class, () -> engine.presignUploadPart(target, 0, 1, minute, CREDENTIALS));
        assertThrows(IllegalArgumentException.class, () -> engine.presignUploadPart(target, 10_001, 1, minute, CREDENTIALS));
        assertThrows(IllegalArgumentException.class, () -> engine.presignUploadPart(target, 1, -2, minute, CREDENTIALS));
        assertThrows(NullPointerException.class, () -> engine.presignUploadPart(target, 1, 1, minute, null));
        SigV4Presigner other = new SigV4Presigner(S3Endpoint.custom(URI.create("http://127.0.0.1:9000"), "us-east-1", true), clock);
        assertThrows(IllegalArgumentException.class, () -> other.presignUploadPart(target, 1, 1, minute, CREDENTIALS));
        assertThrows(IllegalArgumentException.class, () -> engine.uploadPartTarget("bucket", "", "upload"));
        assertThrows(IllegalArgumentException.class, () -> engine.uploadPartTarget("bucket", "key", ""));
        assertThrows(IllegalArgumentException.class, () -> engine.uploadPartTarget("bucket/x", "key", "upload"));
        assertThrows(IllegalArgumentException.class, () -> engine.objectTarget("", "key"));
        assertThrows(IllegalArgumentException.class, () -> PartHeaders.contentMd5("not base64 at all!!!!!!!"));
        assertThrows(IllegalArgumentException.class, () -> PartHeaders.contentMd5("AAAA"));
        assertThrows(IllegalArgumentException.class, () -> PartHeaders.checksum(ChecksumAlgorithm.SHA256, "AAAAAA=="));
        assertThrows(IllegalArgumentException.class, () -> PartHeaders.checksum(ChecksumAlgorithm.CRC32, "AA=AAA=="));
        assertThrows(IllegalArgumentException.class, () -> SigningCredentials.of("", "secret"));
        assertThrows(IllegalArgumentException.class, () -> S3Endpoint.custom(URI.create("ftp://host"), "us-east-1", true));
        assertThrows(IllegalArgumentException.class, () -> S3Endpoint.custom(URI.create("http://host?x=1"), "us-east-1", true));
        assertThrows(IllegalArgumentException.class, () -> S3Endpoint.custom(URI.create("http://host"), "us east 1", true));
    }

    @Test
    void credentialsNeverPrintTheirSecrets() {
        String shown = SigningCredentials.of("AKID", "very-secret", "session-token").toString();
        assertTrue(shown.contains("AKID") && !shown.contains("very-secret") && !shown.contains("session-token"), shown);
    }
}
