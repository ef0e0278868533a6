package io.uploadgateway.security;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.jwt.build.Jwt;
import io.uploadgateway.problem.ApiProblem;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Mints bearer tokens for any user name, signed with the local key pair. Exists only in dev and
 * test builds ({@code @IfBuildProfile}): the production artifact has no such route.
 */
@Path("/dev/token")
@IfBuildProfile(anyOf = {"dev", "test"})
public class DevTokenResource {

    private static final Logger LOG = Logger.getLogger(DevTokenResource.class);
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    private final String issuer;

    public DevTokenResource(@ConfigProperty(name = "mp.jwt.verify.issuer") String issuer) {
        this.issuer = issuer;
    }

    public record DevToken(String token, String subject, Set<String> groups, Instant expiresAt) {
    }

    void announce(@Observes StartupEvent event,
                  @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080") int port) {
        LOG.infof("Dev tokens: curl 'http://localhost:%d/dev/token?user=alice' (add &admin=true for the admin group); "
                + "then send Authorization: Bearer <token>", port);
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public DevToken mint(@QueryParam("user") String user, @QueryParam("admin") boolean admin,
                         @QueryParam("ttlSeconds") Long ttlSeconds) {
        if (user == null || !USER.matcher(user).matches()) {
            throw ApiProblem.invalid("user must be 1-64 letters, digits, '.', '_', '@' or '-'");
        }
        Duration ttl = Duration.ofSeconds(ttlSeconds == null ? 12 * 3600 : Math.max(1, Math.min(ttlSeconds, 7 * 24 * 3600)));
        Set<String> groups = new HashSet<>(Set.of("user"));
        if (admin) {
            groups.add(Caller.ADMIN_GROUP);
        }
        Instant expiresAt = Instant.now().plus(ttl);
        String token = Jwt.issuer(issuer).subject(user).upn(user).groups(groups).expiresAt(expiresAt).sign();
        return new DevToken(token, user, groups, expiresAt);
    }
}
