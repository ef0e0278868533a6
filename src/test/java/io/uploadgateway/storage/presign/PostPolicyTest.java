package io.uploadgateway.storage.presign;

import io.uploadgateway.support.TestClock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The presigned POST policy ({@link SigV4Presigner#presignPost}): the document it states and its
 * signature, recomputed here from the SigV4 definition without the signer's key cache. (That S3
 * accepts it is proven against S3Proxy by {@code CompanionParamsTest}.)
 */
class PostPolicyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final TestClock clock = TestClock.at(Instant.parse("2026-11-30T23:59:30Z"));
    private final SigV4Presigner engine = new SigV4Presigner(
            S3Endpoint.custom(URI.create("http://127.0.0.1:9000"), "eu-west-1", true), clock);

    @Test
    void thePolicyFixesBucketKeyTypeAndBoundsTheSize() throws Exception {
        String key = "uploads/o/1234/we \"said\" \\ é 日本.png";
        PostPolicy post = engine.presignPost("bucket", key, "image/png", 5000, Duration.ofMinutes(15),
                SigningCredentials.of("AKID", "SECRET"));
        assertEquals("http://127.0.0.1:9000/bucket/", post.url());
        assertEquals(Instant.parse("2026-12-01T00:14:30Z"), post.expiresAt());
        assertEquals(List.of("key", "Content-Type", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "Policy", "X-Amz-Signature"),
                List.copyOf(post.fields().keySet()));
        assertEquals("AKID/20261130/eu-west-1/s3/aws4_request", post.fields().get("x-amz-credential"));
        assertEquals("20261130T235930Z", post.fields().get("x-amz-date"));

        String document = new String(Base64.getDecoder().decode(post.fields().get("Policy")), StandardCharsets.UTF_8);
        assertEquals(post.policyJson(), document);
        assertFalse(document.chars().anyMatch(c -> c > 0x7E), "plain ASCII: " + document);
        JsonNode policy = JSON.readTree(document);
        assertEquals("2026-12-01T00:14:30.000Z", policy.get("expiration").asText());
        JsonNode conditions = policy.get("conditions");
        assertEquals("bucket", conditions.get(0).get("bucket").asText());
        assertEquals(key, conditions.get(1).get("key").asText(), "the key survives JSON escaping");
        assertEquals("image/png", conditions.get(2).get("Content-Type").asText());
        assertEquals("AWS4-HMAC-SHA256", conditions.get(3).get("x-amz-algorithm").asText());
        JsonNode range = conditions.get(conditions.size() - 1);
        assertEquals("content-length-range", range.get(0).asText());
        assertEquals(0, range.get(1).asLong());
        assertEquals(5000, range.get(2).asLong());

        assertEquals(signature("SECRET", "20261130", "eu-west-1", post.fields().get("Policy")), post.fields().get("X-Amz-Signature"));
    }

    @Test
    void temporaryCredentialsAddTheirTokenAsFieldAndCondition() throws Exception {
        PostPolicy post = engine.presignPost("bucket", "k", "text/plain", 0, Duration.ofSeconds(60),
                SigningCredentials.of("ASIA", "SECRET2", "tok/en+=="));
        assertEquals("tok/en+==", post.fields().get("x-amz-security-token"));
        JsonNode conditions = JSON.readTree(post.policyJson()).get("conditions");
        assertEquals("tok/en+==", conditions.get(6).get("x-amz-security-token").asText());
        assertEquals(signature("SECRET2", "20261130", "eu-west-1", post.fields().get("Policy")), post.fields().get("X-Amz-Signature"));
    }

    @Test
    void badArgumentsAreRefused() {
        SigningCredentials credentials = SigningCredentials.of("AKID", "SECRET");
        assertThrows(IllegalArgumentException.class, () -> engine.presignPost("bucket", "k", "a/b", -1, Duration.ofMinutes(1), credentials));
        assertThrows(IllegalArgumentException.class, () -> engine.presignPost("bucket", "", "a/b", 1, Duration.ofMinutes(1), credentials));
        assertThrows(IllegalArgumentException.class, () -> engine.presignPost("bucket", "k", "a/b", 1, Duration.ofDays(8), credentials));
    }

    /** hex(HMAC(kSigning, base64 policy)), kSigning derived step by step as the SigV4 documentation gives it. */
    private static String signature(String secret, String date, String region, String policy) throws Exception {
        byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), date);
        k = hmac(k, region);
        k = hmac(k, "s3");
        k = hmac(k, "aws4_request");
        return HexFormat.of().formatHex(hmac(k, policy));
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }
}
