package io.uploadgateway.outbound;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The Standard Webhooks signature scheme (standardwebhooks.com): a secret is {@code whsec_} +
 * base64 of the key; a message is signed as {@code v1,} + base64 of HMAC-SHA256 over
 * {@code {webhook-id}.{webhook-timestamp}.{body}}. Pure functions, shared by the sender and tests.
 */
public final class StandardWebhooks {

    public static final String SECRET_PREFIX = "whsec_";
    public static final String ID = "webhook-id";
    public static final String TIMESTAMP = "webhook-timestamp";
    public static final String SIGNATURE = "webhook-signature";
    private static final int MIN_KEY_BYTES = 24;
    private static final int MAX_KEY_BYTES = 64;

    private StandardWebhooks() {
    }

    /** The key of a {@code whsec_…} secret; an IllegalArgumentException saying what is wrong otherwise. */
    public static byte[] key(String secret) {
        if (secret == null || !secret.startsWith(SECRET_PREFIX)) {
            throw new IllegalArgumentException("must be 'whsec_' followed by the base64 of a " + MIN_KEY_BYTES + "-"
                    + MAX_KEY_BYTES + " byte key");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the part after 'whsec_' is not base64");
        }
        if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("the key must be " + MIN_KEY_BYTES + "-" + MAX_KEY_BYTES + " bytes, got " + key.length);
        }
        return key;
    }

    /** {@code v1,<base64 HMAC-SHA256 of id.timestamp.body>}. */
    public static String sign(byte[] key, String id, long timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] digest = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    /** Whether any {@code v1,} entry of a (space-separated) signature header matches, compared in constant time. */
    public static boolean verify(byte[] key, String id, String timestamp, String body, String signatureHeader) {
        if (id == null || timestamp == null || body == null || signatureHeader == null) {
            return false;
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            return false;
        }
        byte[] expected = sign(key, id, seconds, body).getBytes(StandardCharsets.US_ASCII);
        boolean match = false;
        for (String candidate : signatureHeader.trim().split(" +")) {
            match |= MessageDigest.isEqual(expected, candidate.getBytes(StandardCharsets.US_ASCII));
        }
        return match;
    }
}
