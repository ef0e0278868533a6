package io.uploadgateway.http.session;

import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.http.ProblemMappers;
import io.uploadgateway.problem.ErrorCode;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.net.URI;
import java.util.Locale;

/**
 * The bearer token from a cookie, on the {@code /s3} routes only: {@code @uppy/aws-s3} adds no
 * header to its calls, but the browser sends a same-origin cookie. When a request carries no
 * Authorization header and carries the cookie ({@code gateway.auth-cookie.name}), the token is
 * handed on as {@code Authorization: Bearer …} before the JWT check, which then treats it like
 * any other token. An Authorization header always wins over the cookie.
 *
 * <p>A cookie is sent by the browser whoever made the page (and {@code SameSite=Strict} counts a
 * sibling subdomain as the same site), so every call authenticated by the cookie must come from
 * the gateway's own origin: a {@code Sec-Fetch-Site} other than {@code same-origin}, or an
 * {@code Origin} whose host differs from the request's {@code Host}, is refused with
 * {@code 403 cross_site_request}. Every {@code /s3} route changes something, GETs included (
 * {@code /s3/params} starts an upload, a part URL may raise a reservation, a listing adopts parts),
 * and deciding by the path would be deciding by a string that routing reads differently
 * ({@code /s3/%70arams}, matrix parameters): the check applies to every method and path under
 * {@code /s3}.
 */
@ApplicationScoped
public class CookieBearer {

    /** After the request-body limit (order -900), long before the REST layer authenticates. */
    static final int ORDER = -800;

    private final String cookieName;

    public CookieBearer(GatewayConfig config) {
        this.cookieName = config.authCookie().name();
    }

    void install(@Observes Router router) {
        router.route("/s3/*").order(ORDER).handler(this::handle);
    }

    void handle(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        if (request.getHeader("Authorization") != null) {
            rc.next();
            return;
        }
        Cookie cookie = request.getCookie(cookieName);
        if (cookie == null || cookie.getValue().isBlank()) {
            rc.next();
            return;
        }
        String refusal = crossSite(request);
        if (refusal != null) {
            refuse(rc, refusal);
            return;
        }
        request.headers().set("Authorization", "Bearer " + cookie.getValue().strip());
        rc.next();
    }

    /** Why the request is not from the gateway's own origin, or null if it is (or cannot tell: not a browser). */
    static String crossSite(HttpServerRequest request) {
        String fetchSite = request.getHeader("Sec-Fetch-Site");
        if (fetchSite != null && !fetchSite.equalsIgnoreCase("same-origin") && !fetchSite.equalsIgnoreCase("none")) {
            return "Sec-Fetch-Site is " + fetchSite;
        }
        String origin = request.getHeader("Origin");
        if (origin != null) {
            String host = request.getHeader("Host");
            String originHost = authorityOf(origin);
            if (originHost == null || host == null || !originHost.equalsIgnoreCase(host.strip())) {
                return "Origin " + origin + " is not this gateway (" + host + ")";
            }
        }
        return null;
    }

    private static String authorityOf(String origin) {
        try {
            URI uri = URI.create(origin.strip());
            return uri.getRawAuthority() == null ? null : uri.getRawAuthority().toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void refuse(RoutingContext rc, String why) {
        ApiProblem problem = ErrorCode.CROSS_SITE_REQUEST.problem("this call authenticated by the " + "cookie came from another site ("
                + why + "); the /s3 routes take calls with the cookie from the gateway's own pages only");
        rc.response().setStatusCode(problem.status())
                .putHeader("Content-Type", ProblemMappers.PROBLEM_JSON)
                .end(new JsonObject(ProblemMappers.body(problem)).encode());
    }
}
