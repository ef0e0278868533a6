package io.uploadgateway.support;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import io.smallrye.jwt.util.KeyUtils;

import java.nio.file.Files;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.Set;

/** Bearer tokens as a real identity provider would issue them, signed with the test key. */
public final class Tokens {

    private Tokens() {
    }

    public static String forUser(String subject) {
        return sign(subject, Set.of("user"), Instant.now().plusSeconds(3600), TestStack.ISSUER);
    }

    /** A token of the test stack's operators' group ({@code gateway.admin-role}). */
    public static String forAdmin(String subject) {
        return sign(subject, Set.of("user", TestStack.ADMIN_ROLE), Instant.now().plusSeconds(3600), TestStack.ISSUER);
    }

    public static String expired(String subject) {
        return sign(subject, Set.of("user"), Instant.now().minusSeconds(600), TestStack.ISSUER);
    }

    public static String fromOtherIssuer(String subject) {
        return sign(subject, Set.of("user"), Instant.now().plusSeconds(3600), "someone-else");
    }

    public static String sign(String subject, Set<String> groups, Instant expiresAt, String issuer) {
        return sign(claims(subject, groups, expiresAt, issuer).audience(TestStack.AUDIENCE));
    }

    /** The claims of a test token, without an audience: for tokens that get another one, or none. */
    public static JwtClaimsBuilder claims(String subject, Set<String> groups, Instant expiresAt, String issuer) {
        JwtClaimsBuilder claims = Jwt.issuer(issuer).groups(groups).issuedAt(expiresAt.minusSeconds(7200)).expiresAt(expiresAt);
        return subject == null ? claims : claims.subject(subject);
    }

    /** Signs with the test stack's private key (RS256). */
    public static String sign(JwtClaimsBuilder claims) {
        try {
            PrivateKey key = KeyUtils.decodePrivateKey(Files.readString(TestStack.privateKey()));
            return claims.sign(key);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
