package io.uploadgateway.storage.presign;

import java.util.Objects;

/**
 * One set of AWS credentials as the signer needs them: access key id, secret key and, for
 * temporary (STS) credentials, the session token. Immutable and thread-safe; its
 * {@link #toString()} never shows the secret or the token.
 *
 * <p>Create one whenever the credentials change (rotation) and pass the current one with every
 * presign call; creating it encodes the session token once, so do not create one per URL. The
 * signer's signing-key cache recognises credentials by access key id and secret, never by the
 * session token alone, and never hands a key derived from one secret to another.
 */
public final class SigningCredentials {

    private final String accessKeyId;
    private final String secretAccessKey;
    private final String sessionToken;
    /** {@code X-Amz-Security-Token} value, URI-encoded; null without a session token. */
    final byte[] encodedSessionToken;

    private SigningCredentials(String accessKeyId, String secretAccessKey, String sessionToken) {
        this.accessKeyId = requireText(accessKeyId, "accessKeyId");
        this.secretAccessKey = requireText(secretAccessKey, "secretAccessKey");
        this.sessionToken = sessionToken;
        this.encodedSessionToken = sessionToken == null ? null : AsciiBuffer.uriEncoded(sessionToken, false);
    }

    /** Long-term credentials (no session token). */
    public static SigningCredentials of(String accessKeyId, String secretAccessKey) {
        return new SigningCredentials(accessKeyId, secretAccessKey, null);
    }

    /**
     * Credentials with an optional session token: temporary credentials carry one, and the URL
     * then carries it as {@code X-Amz-Security-Token}. A null or empty token means none.
     */
    public static SigningCredentials of(String accessKeyId, String secretAccessKey, String sessionToken) {
        return new SigningCredentials(accessKeyId, secretAccessKey,
                sessionToken == null || sessionToken.isEmpty() ? null : sessionToken);
    }

    public String accessKeyId() {
        return accessKeyId;
    }

    String secretAccessKey() {
        return secretAccessKey;
    }

    /** The session token, or null for long-term credentials. */
    public String sessionToken() {
        return sessionToken;
    }

    /** True when both were made from the same access key id and secret (the token may differ). */
    boolean sameKeyAs(SigningCredentials other) {
        return this == other
                || (accessKeyId.equals(other.accessKeyId) && secretAccessKey.equals(other.secretAccessKey));
    }

    private static String requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + " is empty");
        }
        return value;
    }

    @Override
    public String toString() {
        return "SigningCredentials[accessKeyId=" + accessKeyId + ", secret=***"
                + (sessionToken == null ? "" : ", sessionToken=***") + "]";
    }
}
