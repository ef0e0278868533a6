package io.uploadgateway.http.session;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.jwt.build.Jwt;
import io.uploadgateway.config.ConfigChecks;
import io.uploadgateway.config.GatewayConfig;
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
import java.util.List;
import java.util.Optional;
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
    private final Optional<List<String>> audiences;
    private final String adminRole;

    public DevTokenResource(@ConfigProperty(name = "mp.jwt.verify.issuer") String issuer,
                            @ConfigProperty(name = "mp.jwt.verify.audiences") Optional<List<String>> audiences,
                            GatewayConfig config) {
        this.issuer = issuer;
        this.audiences = audiences;
        this.adminRole = config.adminRole();
    }

    public record DevToken(String token, String subject, Set<String> groups, Instant expiresAt) {
    }

    void announce(@Observes StartupEvent event,
                  @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080") int port) {
        LOG.infof("Dev tokens: curl 'http://localhost:%d/dev/token?user=alice' (add &admin=true for the operators' group '%s'); "
                + "then send Authorization: Bearer <token>", port, adminRole);
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public DevToken mint(@QueryParam("user") String user, @QueryParam("admin") String admin,
                         @QueryParam("ttlSeconds") String ttlSeconds) {
        if (user == null || !USER.matcher(user).matches()) {
            throw ApiProblem.invalid("user must be 1-64 letters, digits, '.', '_', '@' or '-'");
        }
        if (admin != null && !admin.isEmpty() && !admin.equalsIgnoreCase("true") && !admin.equalsIgnoreCase("false")) {
            throw ApiProblem.invalid("admin must be true or false");
        }
        long seconds = 12 * 3600;
        if (ttlSeconds != null && !ttlSeconds.isEmpty()) {
            try {
                seconds = Math.max(1, Math.min(Long.parseLong(ttlSeconds), 7 * 24 * 3600));
            } catch (NumberFormatException e) {
                throw ApiProblem.invalid("ttlSeconds must be a whole number of seconds");
            }
        }
        Set<String> groups = new HashSet<>(Set.of(ConfigChecks.USER_GROUP));
        if ("true".equalsIgnoreCase(admin)) {
            groups.add(adminRole);
        }
        Instant expiresAt = Instant.now().plus(Duration.ofSeconds(seconds));
        var claims = Jwt.issuer(issuer).subject(user).upn(user).groups(groups).expiresAt(expiresAt);
        if (audiences.isPresent() && !audiences.get().isEmpty()) {
            claims.audience(new HashSet<>(audiences.get()));
        }
        return new DevToken(claims.sign(), user, groups, expiresAt);
    }
}
