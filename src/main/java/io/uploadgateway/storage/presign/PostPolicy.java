package io.uploadgateway.storage.presign;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;

/**
 * A presigned browser POST (S3's "POST Object" with a SigV4-signed policy): the form is sent as
 * {@code multipart/form-data} to {@code url} with every one of {@code fields}, then the file as
 * the last field named {@code file}. Immutable.
 *
 * @param url       the bucket's URL (the key travels as a form field)
 * @param fields    the form fields in order: key, Content-Type, the x-amz-* fields, Policy, X-Amz-Signature
 * @param expiresAt the policy's {@code expiration}: S3 refuses the form after it
 * @param policyJson the policy document before base64 (for logs and tests; it is in {@code fields} as {@code Policy})
 */
public record PostPolicy(String url, Map<String, String> fields, Instant expiresAt, String policyJson) {

    private static final DateTimeFormatter EXPIRATION = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /**
     * The form for {@code key} and {@code contentType} (each an exact-match condition, as are the
     * x-amz-* fields), the bucket and a body of 0 to {@code maxContentLength} bytes, signed at
     * {@code second} as {@code hex(HMAC(kSigning, base64(policy)))}.
     */
    static PostPolicy signed(String url, String bucket, String key, String contentType, long maxContentLength, long second,
                             Instant expiresAt, SigningCredentials credentials, SigningKeyCache.SigningKey signingKey) {
        byte[] dateTime = new byte[16];
        SigV4Time.writeDateTime(second, dateTime, 0);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("key", key);
        fields.put("Content-Type", contentType);
        fields.put("x-amz-algorithm", "AWS4-HMAC-SHA256");
        fields.put("x-amz-credential", credentials.accessKeyId() + "/" + new String(signingKey.scope, StandardCharsets.UTF_8));
        fields.put("x-amz-date", new String(dateTime, StandardCharsets.US_ASCII));
        if (credentials.sessionToken() != null) {
            fields.put("x-amz-security-token", credentials.sessionToken());
        }
        StringBuilder policy = new StringBuilder(512);
        policy.append("{\"expiration\":\"").append(EXPIRATION.format(expiresAt)).append("\",\"conditions\":[{\"bucket\":");
        jsonString(policy, bucket).append("},");
        for (Map.Entry<String, String> field : fields.entrySet()) {
            policy.append('{');
            jsonString(policy, field.getKey()).append(':');
            jsonString(policy, field.getValue()).append("},");
        }
        policy.append("[\"content-length-range\",0,").append(maxContentLength).append("]]}");
        String policyJson = policy.toString();
        String encoded = Base64.getEncoder().encodeToString(policyJson.getBytes(StandardCharsets.UTF_8));
        Map<String, String> all = new LinkedHashMap<>(fields);
        all.put("Policy", encoded);
        all.put("X-Amz-Signature", hmacHex(signingKey, encoded));
        return new PostPolicy(url, Collections.unmodifiableMap(all), expiresAt, policyJson);
    }

    private static String hmacHex(SigningKeyCache.SigningKey key, String stringToSign) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key.key);
            byte[] signature = mac.doFinal(stringToSign.getBytes(StandardCharsets.US_ASCII));
            StringBuilder hex = new StringBuilder(64);
            for (byte b : signature) {
                hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return hex.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JSON string literal, ASCII only (anything else as {@code \\uXXXX}), so the policy is plain ASCII. */
    static StringBuilder jsonString(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7E) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"');
    }
}
