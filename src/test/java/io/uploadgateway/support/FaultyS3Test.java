package io.uploadgateway.support;

import io.uploadgateway.embedded.EmbeddedStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fault proxy itself, with the client the gateway uses (async S3 on the CRT HTTP client,
 * SigV4): forwarded requests pass S3Proxy's signature check although their {@code Connection}
 * header was rewritten, one request per connection, and each fault does what it says. Without
 * this, a broken proxy would make the drills fail (or pass) for the wrong reason.
 */
class FaultyS3Test {

    private static EmbeddedStack stack;
    private static FaultyS3 proxy;
    private static S3AsyncClient s3;

    @BeforeAll
    static void start() throws Exception {
        stack = EmbeddedStack.start(null);
        proxy = FaultyS3.start(stack.s3Endpoint());
        s3 = S3AsyncClient.builder()
                .httpClientBuilder(AwsCrtAsyncHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)))
                .endpointOverride(URI.create(proxy.endpoint()))
                .forcePathStyle(true)
                .region(Region.of(EmbeddedStack.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(3)).retryStrategy(RetryMode.STANDARD))
                .build();
        s3.createBucket(r -> r.bucket("faulty")).get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        s3.close();
        proxy.close();
        stack.close();
    }

    @BeforeEach
    void reset() {
        proxy.reset();
    }

    @Test
    void forwardsSignedRequestsOnePerConnectionWithoutSigningConnection() throws Exception {
        String uploadId = s3.createMultipartUpload(r -> r.bucket("faulty").key("a/b.bin")).get(30, TimeUnit.SECONDS).uploadId();
        assertNotNull(uploadId, "S3's answer came back whole");
        assertTrue(s3.listParts(r -> r.bucket("faulty").key("a/b.bin").uploadId(uploadId)).get(30, TimeUnit.SECONDS).parts().isEmpty());
        s3.abortMultipartUpload(r -> r.bucket("faulty").key("a/b.bin").uploadId(uploadId)).get(30, TimeUnit.SECONDS);

        List<FaultyS3.Seen> seen = proxy.requests();
        assertEquals(List.of("CreateMultipartUpload", "ListParts", "AbortMultipartUpload"),
                seen.stream().map(FaultyS3.Seen::kind).toList());
        for (FaultyS3.Seen request : seen) {
            assertEquals("forwarded", request.outcome());
            assertTrue(request.upstreamStatus() == 200 || request.upstreamStatus() == 204, request.toString());
            assertNotNull(request.signedHeaders(), "signed with SigV4: " + request);
            assertFalse(request.signedHeaders().contains("connection"), "the SDK does not sign Connection: " + request);
        }
        assertEquals(1, proxy.forwarded("AbortMultipartUpload", uploadId));
    }

    @Test
    void aRuleAnswersMatchingRequestsWithAnS3Error() throws Exception {
        proxy.rule(FaultyS3.kind("ListMultipartUploads"), FaultyS3.Action.error(500, "InternalError"));
        CompletionException failure = assertThrows(CompletionException.class,
                () -> s3.listMultipartUploads(r -> r.bucket("faulty")).join());
        S3Exception s3e = (S3Exception) failure.getCause();
        assertEquals(500, s3e.statusCode());
        assertEquals("InternalError", s3e.awsErrorDetails().errorCode());
        assertEquals(3, proxy.count("ListMultipartUploads"), "the SDK retried the 500 (standard mode: 3 attempts)");
        s3.headBucket(r -> r.bucket("faulty")).get(30, TimeUnit.SECONDS); // other calls pass
    }

    @Test
    void hangAndResetFailTheCall() {
        proxy.mode(FaultyS3.Action.HANG);
        long start = System.nanoTime();
        CompletionException hung = assertThrows(CompletionException.class, () -> s3.headBucket(r -> r.bucket("faulty")).join());
        assertTrue(hung.getCause() instanceof SdkException, hung.toString());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(15).toNanos(), "the client's call timeout ended it");
        assertTrue(proxy.requests().stream().allMatch(r -> r.outcome().equals("hung")), proxy.requests().toString());

        proxy.reset().mode(FaultyS3.Action.RESET);
        CompletionException reset = assertThrows(CompletionException.class, () -> s3.headBucket(r -> r.bucket("faulty")).join());
        assertTrue(reset.getCause() instanceof SdkException, reset.toString());
        assertTrue(proxy.requests().stream().allMatch(r -> r.outcome().equals("reset")), proxy.requests().toString());
    }
}
