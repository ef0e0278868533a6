package io.uploadgateway.http.session;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.smallrye.jwt.runtime.auth.JWTAuthMechanism;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens verified once, then known until they expire. A browser signs hundreds of part
 * URLs with one token, and checking its RS256 signature on each call was most of a one-URL sign's
 * cost. The first call with a token goes through smallrye-jwt ({@link JWTAuthMechanism}: signature,
 * issuer, audience, expiry, then the gateway's own checks of the subject); later calls with the
 * very same token string get the identity that check produced, until the token's {@code exp}
 * (never longer: an expired token is verified again, and refused). A JWT cannot be revoked before
 * its expiry anyway; what a cache changes is only that a verification key removed from
 * configuration keeps accepting its tokens until they expire or the process restarts.
 * <p>
 * At most {@value #MAX_TOKENS} tokens are kept; when full, the cache starts over.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class VerifiedTokens implements HttpAuthenticationMechanism {

    static final int MAX_TOKENS = 4096;
    private static final String BEARER = "Bearer ";

    private final JWTAuthMechanism jwt;
    private final Known known = new Known(MAX_TOKENS);

    public VerifiedTokens(JWTAuthMechanism jwt) {
        this.jwt = jwt;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        String token = bearerToken(context);
        if (token == null) {
            return jwt.authenticate(context, identityProviderManager);
        }
        // The wall clock, as smallrye-jwt checks exp by it (not the gateway's injectable Clock).
        SecurityIdentity identity = known.get(token, System.currentTimeMillis() / 1000);
        if (identity != null) {
            return Uni.createFrom().item(identity);
        }
        return jwt.authenticate(context, identityProviderManager).invoke(verified -> {
            if (verified != null && !verified.isAnonymous() && verified.getPrincipal() instanceof JsonWebToken principal) {
                known.put(token, verified, principal.getExpirationTime());
            }
        });
    }

    /** Identities by token, each until its token's {@code exp} (epoch seconds); a bounded map that starts over when full. */
    static final class Known {

        private record Entry(SecurityIdentity identity, long expiresAt) {
        }

        private final int capacity;
        private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

        Known(int capacity) {
            this.capacity = capacity;
        }

        /** The identity verified for {@code token}, if its token has not expired by {@code now}. */
        SecurityIdentity get(String token, long now) {
            Entry entry = entries.get(token);
            if (entry == null) {
                return null;
            }
            if (now >= entry.expiresAt()) {
                entries.remove(token, entry);
                return null;
            }
            return entry.identity();
        }

        void put(String token, SecurityIdentity identity, long expiresAt) {
            if (expiresAt <= 0) {
                return; // a token without exp is verified every time
            }
            if (entries.size() >= capacity) {
                entries.clear();
            }
            entries.put(token, new Entry(identity, expiresAt));
        }

        int size() {
            return entries.size();
        }
    }

    private static String bearerToken(RoutingContext context) {
        String header = context.request().getHeader("Authorization");
        if (header == null || header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = header.substring(BEARER.length()).strip();
        return token.isEmpty() ? null : token;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return jwt.getChallenge(context);
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return jwt.getCredentialTypes();
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return jwt.getCredentialTransport(context);
    }
}
