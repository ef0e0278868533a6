package io.uploadgateway.http.session;

import io.uploadgateway.config.AuthCookieConfig;
import io.quarkus.security.Authenticated;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.http.Problems;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Clock;

import static io.uploadgateway.problem.ErrorCode.CROSS_SITE_REQUEST;
import static io.uploadgateway.problem.ErrorCode.UNAUTHORIZED;

/**
 * Puts the caller's bearer token into the {@code /s3} cookie ({@code gateway.auth-cookie.name},
 * {@code __Host-gateway_token} by default): {@code HttpOnly} (no script reads it), {@code Secure},
 * {@code SameSite=Strict}, {@code Path=/} and no {@code Domain}, as the {@code __Host-} prefix
 * demands, so a sibling subdomain cannot plant a cookie of that name; living as long as the token.
 * The gateway reads it on {@code /s3} only. The page calls this once with its token in the
 * Authorization header, then lets Uppy run without headers.
 */
@Path("/s3/session")
@Tag(name = "uppy", description = "Uppy Companion's S3 multipart protocol, for @uppy/aws-s3 with companionEndpoint")
@Authenticated
public class CookieSessionResource {

    private final JsonWebToken token;
    private final AuthCookieConfig cookie;
    private final Clock clock;
    private final Caller caller;

    public CookieSessionResource(JsonWebToken token, GatewayConfig config, Clock clock, Caller caller) {
        this.token = token;
        this.cookie = config.authCookie();
        this.clock = clock;
        this.caller = caller;
    }

    @POST
    @Operation(operationId = "uppySetCookie", summary = "Set the /s3 cookie from the bearer token",
            description = "204 with Set-Cookie: the token itself, HttpOnly, Secure, SameSite=Strict, Path=/ (the __Host- "
                    + "prefix's rule; read on /s3 only), Max-Age until the token expires.")
    @APIResponse(responseCode = "204", description = "The cookie is set")
    @Problems({UNAUTHORIZED, CROSS_SITE_REQUEST})
    public Response set() {
        caller.owner(); // a token whose sub cannot own uploads is refused here too
        long maxAge = Math.max(0, token.getExpirationTime() - clock.instant().getEpochSecond());
        return Response.noContent().cookie(cookieOf(token.getRawToken(), (int) Math.min(Integer.MAX_VALUE, maxAge))).build();
    }

    @DELETE
    @Operation(operationId = "uppyClearCookie", summary = "Remove the /s3 cookie")
    @APIResponse(responseCode = "204", description = "The cookie is removed")
    @Problems({UNAUTHORIZED, CROSS_SITE_REQUEST})
    public Response clear() {
        return Response.noContent().cookie(cookieOf("", 0)).build();
    }

    private NewCookie cookieOf(String value, int maxAge) {
        return new NewCookie.Builder(cookie.name()).value(value).path("/").maxAge(maxAge).httpOnly(true)
                .secure(cookie.secure()).sameSite(NewCookie.SameSite.STRICT).build();
    }
}
