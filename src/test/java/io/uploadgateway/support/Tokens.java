package io.uploadgateway.support;

import io.smallrye.jwt.build.Jwt;
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

    public static String forAdmin(String subject) {
        return sign(subject, Set.of("user", "admin"), Instant.now().plusSeconds(3600), TestStack.ISSUER);
    }

    public static String expired(String subject) {
        return sign(subject, Set.of("user"), Instant.now().minusSeconds(600), TestStack.ISSUER);
    }

    public static String fromOtherIssuer(String subject) {
        return sign(subject, Set.of("user"), Instant.now().plusSeconds(3600), "someone-else");
    }

    public static String sign(String subject, Set<String> groups, Instant expiresAt, String issuer) {
        try {
            PrivateKey key = KeyUtils.decodePrivateKey(Files.readString(TestStack.privateKey()));
            return Jwt.issuer(issuer).subject(subject).groups(groups)
                    .issuedAt(expiresAt.minusSeconds(7200)).expiresAt(expiresAt).sign(key);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
