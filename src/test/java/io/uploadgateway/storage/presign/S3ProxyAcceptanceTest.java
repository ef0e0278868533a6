package io.uploadgateway.storage.presign;

import io.uploadgateway.support.TestClock;
import io.uploadgateway.embedded.EmbeddedStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Engine-signed URLs against a real SigV4 verifier: S3Proxy 3.3.0 of the project's
 * {@link EmbeddedStack}. The bucket and the multipart uploads are made and completed with the
 * SDK's own client (as the gateway does); only the part PUTs and the download GET use the
 * engine's URLs, sent with {@code java.net.http.HttpClient} the way a browser sends them (the
 * URL, the returned headers, the body, no form content type).
 */
class S3ProxyAcceptanceTest {

    private static final String BUCKET = "presign-engine";
    private static final int MIB = 1024 * 1024;

    private static EmbeddedStack stack;
    private static S3AsyncClient s3;
    private static TestClock clock;
    private static SigV4Presigner engine;
    private static SigningCredentials credentials;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        stack = EmbeddedStack.start(null);
        s3 = S3AsyncClient.builder()
                .region(Region.of(EmbeddedStack.REGION))
                .endpointOverride(URI.create(stack.s3Endpoint()))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY)))
                .httpClientBuilder(AwsCrtAsyncHttpClient.builder())
                .build();
        s3.createBucket(r -> r.bucket(BUCKET)).join();
        clock = TestClock.at(Instant.now());
        engine = new SigV4Presigner(S3Endpoint.custom(URI.create(stack.s3Endpoint()), EmbeddedStack.REGION, true), clock);
        credentials = SigningCredentials.of(EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void multipartUploadThroughEngineUrlsThenDownloadThroughAnEngineUrl() throws Exception {
        clock.set(Instant.now());
        String key = "engine/2026/ünïcödé naïve (1) + & = ~ 😀 'quoted' !*.bin";
        String uploadId = s3.createMultipartUpload(r -> r.bucket(BUCKET).key(key).contentType("application/x-test"))
                .join().uploadId();
        UploadPartTarget target = engine.uploadPartTarget(BUCKET, key, uploadId);
        byte[][] parts = {random(5 * MIB, 1), random(5 * MIB, 2), random(1234, 3)};
        List<CompletedPart> completed = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            PresignedUrl url = engine.presignUploadPart(target, i + 1, parts[i].length, Duration.ofMinutes(15), credentials);
            assertEquals(Map.of("Content-Length", String.valueOf(parts[i].length)), url.headers());
            Answer answer = send(url, parts[i], null);
            assertEquals(200, answer.status(), answer.toString());
            assertNotNull(answer.etag());
            completed.add(CompletedPart.builder().partNumber(i + 1).eTag(answer.etag()).build());
        }
        s3.completeMultipartUpload(r -> r.bucket(BUCKET).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(completed))).join();

        ObjectTarget object = engine.objectTarget(BUCKET, key);
        String disposition = "attachment; filename=\"naive (1).bin\"; filename*=UTF-8''na%C3%AFve%20%281%29%20%F0%9F%98%80.bin";
        PresignedUrl download = engine.presignGetObject(object, disposition, "application/octet-stream; x=\"a b\"",
                Duration.ofMinutes(5), credentials);
        assertEquals("GET", download.method());
        assertEquals(Map.of(), download.headers());
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(download.url())).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
        assertArrayEquals(concat(parts), response.body());
        assertEquals(disposition, response.headers().firstValue("Content-Disposition").orElse(null));
        assertEquals("application/octet-stream; x=\"a b\"", response.headers().firstValue("Content-Type").orElse(null));

        // a plain download URL, no overrides
        HttpResponse<byte[]> plain = HTTP.send(HttpRequest.newBuilder(URI.create(
                engine.presignGetObject(object, null, null, Duration.ofSeconds(30), credentials).url())).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, plain.statusCode());
        assertEquals("application/x-test", plain.headers().firstValue("Content-Type").orElse(null));
    }

    @Test
    void tamperedExpiredWrongLengthAndWrongSecretAreRefused() throws Exception {
        clock.set(Instant.now());
        String key = "engine/refusals/part.bin";
        String uploadId = s3.createMultipartUpload(r -> r.bucket(BUCKET).key(key)).join().uploadId();
        try {
            UploadPartTarget target = engine.uploadPartTarget(BUCKET, key, uploadId);
            byte[] body = random(1000, 4);
            PresignedUrl url = engine.presignUploadPart(target, 1, body.length, Duration.ofMinutes(5), credentials);

            // the signature, one hex digit changed
            String signature = url.url().substring(url.url().length() - 64);
            String flipped = (signature.charAt(0) == 'a' ? 'b' : 'a') + signature.substring(1);
            assertRefused(403, send(withUrl(url, url.url().replace(signature, flipped)), body, null), "SignatureDoesNotMatch");
            // X-Amz-Expires, extended from 300 to 3000 seconds
            assertTrue(url.url().contains("&X-Amz-Expires=300&"));
            assertRefused(403, send(withUrl(url, url.url().replace("&X-Amz-Expires=300&", "&X-Amz-Expires=3000&")), body, null),
                    "SignatureDoesNotMatch");
            // the part number
            assertRefused(403, send(withUrl(url, url.url().replace("?partNumber=1&", "?partNumber=2&")), body, null),
                    "SignatureDoesNotMatch");
            // a body one byte short of the signed Content-Length
            assertRefused(403, send(url, java.util.Arrays.copyOf(body, body.length - 1), null), null);
            // a body one byte longer
            assertRefused(403, send(url, java.util.Arrays.copyOf(body, body.length + 1), null), null);
            // another secret under the same access key id (a rotation gone wrong)
            PresignedUrl wrongSecret = engine.presignUploadPart(target, 1, body.length, Duration.ofMinutes(5),
                    SigningCredentials.of(EmbeddedStack.ACCESS_KEY, "not-the-secret"));
            assertRefused(403, send(wrongSecret, body, null), "SignatureDoesNotMatch");

            // expired: signed two hours ago for one minute
            clock.set(Instant.now().minus(Duration.ofHours(2)));
            PresignedUrl expired = engine.presignUploadPart(target, 1, body.length, Duration.ofMinutes(1), credentials);
            assertTrue(expired.expiresAt().isBefore(Instant.now()));
            assertRefused(403, send(expired, body, null), null);
            clock.set(Instant.now());

            // ... and the untampered URL still works
            Answer ok = send(url, body, null);
            assertEquals(200, ok.status(), ok.toString());
        } finally {
            s3.abortMultipartUpload(r -> r.bucket(BUCKET).key(key).uploadId(uploadId)).join();
        }
    }

    @Test
    void signedContentMd5IsEnforced() throws Exception {
        clock.set(Instant.now());
        String key = "engine/md5/part.bin";
        String uploadId = s3.createMultipartUpload(r -> r.bucket(BUCKET).key(key)).join().uploadId();
        try {
            UploadPartTarget target = engine.uploadPartTarget(BUCKET, key, uploadId);
            byte[] body = random(4096, 5);
            byte[] other = random(4096, 6);
            String md5 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(body));
            PresignedUrl url = engine.presignUploadPart(target, 1, body.length, PartHeaders.contentMd5(md5),
                    Duration.ofMinutes(5), credentials);
            assertEquals(Map.of("Content-Length", "4096", "Content-MD5", md5), url.headers());
            assertTrue(url.url().contains("X-Amz-SignedHeaders=content-length%3Bcontent-md5%3Bhost&"), url.url());

            assertRefused(400, send(url, other, null), "BadDigest");
            // the header the client must send is signed: another value does not verify
            String otherMd5 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(other));
            assertRefused(403, send(url, other, Map.of("Content-MD5", otherMd5)), "SignatureDoesNotMatch");
            Answer ok = send(url, body, null);
            assertEquals(200, ok.status(), ok.toString());
        } finally {
            s3.abortMultipartUpload(r -> r.bucket(BUCKET).key(key).uploadId(uploadId)).join();
        }
    }

    @Test
    void signedSha256ChecksumIsEnforced() throws Exception {
        clock.set(Instant.now());
        String key = "engine/sha256/part.bin";
        String uploadId = s3.createMultipartUpload(r -> r.bucket(BUCKET).key(key).checksumAlgorithm(ChecksumAlgorithm.SHA256))
                .join().uploadId();
        try {
            UploadPartTarget target = engine.uploadPartTarget(BUCKET, key, uploadId);
            byte[] body = random(2048, 7);
            String sha256 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
            PresignedUrl url = engine.presignUploadPart(target, 1, body.length,
                    PartHeaders.checksum(io.uploadgateway.storage.presign.ChecksumAlgorithm.SHA256, sha256),
                    Duration.ofMinutes(5), credentials);
            assertEquals(Map.of("Content-Length", "2048", "x-amz-checksum-sha256", sha256), url.headers());
            assertRefused(400, send(url, random(2048, 8), null), "BadDigest");
            Answer ok = send(url, body, null);
            assertEquals(200, ok.status(), ok.toString());
        } finally {
            s3.abortMultipartUpload(r -> r.bucket(BUCKET).key(key).uploadId(uploadId)).join();
        }
    }

    @Test
    void sessionTokenIsSignedIntoTheUrl() throws Exception {
        // S3Proxy has no STS: it checks the signature over the whole query, token included,
        // with the static secret. Enough to show the token is part of what is signed.
        clock.set(Instant.now());
        String key = "engine/token/part.bin";
        String uploadId = s3.createMultipartUpload(r -> r.bucket(BUCKET).key(key)).join().uploadId();
        try {
            SigningCredentials temporary = SigningCredentials.of(EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY,
                    "FwoGZXIvYXdzEBYaD+/=token");
            UploadPartTarget target = engine.uploadPartTarget(BUCKET, key, uploadId);
            byte[] body = random(100, 9);
            PresignedUrl url = engine.presignUploadPart(target, 1, body.length, Duration.ofMinutes(5), temporary);
            assertTrue(url.url().contains("&X-Amz-Security-Token=FwoGZXIvYXdzEBYaD%2B%2F%3Dtoken&"), url.url());
            assertRefused(403, send(withUrl(url, url.url().replace("EBYaD", "EBYaE")), body, null), "SignatureDoesNotMatch");
            Answer ok = send(url, body, null);
            assertEquals(200, ok.status(), ok.toString());
        } finally {
            s3.abortMultipartUpload(r -> r.bucket(BUCKET).key(key).uploadId(uploadId)).join();
        }
    }

    // ---------------------------------------------------------------- helpers

    record Answer(int status, String etag, String body) {
    }

    private static PresignedUrl withUrl(PresignedUrl url, String tampered) {
        return new PresignedUrl(tampered, url.method(), url.headers(), url.expiresAt());
    }

    private static void assertRefused(int status, Answer answer, String code) {
        if (answer.status() == -1) {
            // S3Proxy refuses before reading the body and closes the connection (see STACK.md):
            // the client may see a reset instead of the answer; that is a refusal too.
            System.out.println("refused with a closed connection instead of " + status + ": " + answer.body());
            return;
        }
        assertEquals(status, answer.status(), answer.toString());
        if (code != null) {
            assertTrue(answer.body().contains(code), answer.toString());
        }
    }

    /**
     * PUTs {@code body} to the URL with the headers it requires, as a browser would: no
     * Content-Type, Content-Length from the body. {@code override} replaces header values.
     */
    private static Answer send(PresignedUrl url, byte[] body, Map<String, String> override) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url.url()))
                .timeout(Duration.ofSeconds(60))
                .method(url.method(), HttpRequest.BodyPublishers.ofByteArray(body));
        url.headers().forEach((name, value) -> {
            if (!name.equalsIgnoreCase("Content-Length")) {
                request.header(name, override != null && override.containsKey(name) ? override.get(name) : value);
            }
        });
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                return new Answer(response.statusCode(), response.headers().firstValue("ETag").orElse(null), response.body());
            } catch (IOException e) {
                // A pooled connection S3Proxy closed after its previous answer (a refusal) fails before
                // any byte of an answer: sent again on a fresh connection, as browsers do for PUT.
                if (attempt == 1 && String.valueOf(e.getMessage()).contains("received no bytes")) {
                    continue;
                }
                return new Answer(-1, null, e.toString());
            }
        }
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] concat(byte[][] parts) {
        int size = 0;
        for (byte[] part : parts) {
            size += part.length;
        }
        byte[] all = new byte[size];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
