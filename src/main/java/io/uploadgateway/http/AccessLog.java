package io.uploadgateway.http;

import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.security.Principal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One log line per API request (category {@value #CATEGORY}) with the upload id and the owner
 * in the MDC ({@code uploadId}, {@code owner}), so JSON logs can be filtered by either. The
 * upload id is also in the MDC of every other line logged while the request runs.
 *
 * <p>Logs the path only: never the query string, headers, bodies or response bodies, so bearer
 * tokens and presigned URLs (which are bearer credentials too) never reach the log.
 */
@ApplicationScoped
public class AccessLog {

    public static final String CATEGORY = "io.uploadgateway.access";
    public static final String MDC_UPLOAD_ID = "uploadId";
    public static final String MDC_OWNER = "owner";

    private static final Logger LOG = Logger.getLogger(CATEGORY);
    private static final Pattern UPLOAD_ID = Pattern.compile(
            "/uploads/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?:/|$)");

    void register(@Observes Filters filters) {
        // High priority: runs first, so the end handler also sees requests that fail authentication.
        filters.register(this::filter, 1000);
    }

    void filter(RoutingContext rc) {
        String path = rc.normalizedPath();
        if (path == null || path.startsWith("/q/")) {
            // Probes and metrics scrapes every few seconds would drown the log.
            rc.next();
            return;
        }
        long started = System.nanoTime();
        String pathUploadId = uploadIdIn(path);
        if (pathUploadId != null) {
            MDC.put(MDC_UPLOAD_ID, pathUploadId);
        }
        rc.addEndHandler(ignored -> {
            String uploadId = pathUploadId != null ? pathUploadId : uploadIdIn(rc.response().headers().get("Location"));
            String owner = loggable(owner(rc));
            long millis = (System.nanoTime() - started) / 1_000_000;
            // A client that closed its connection first got no answer: "gone", not the status never sent.
            String status = rc.response().ended() ? String.valueOf(rc.response().getStatusCode()) : "gone";
            try {
                put(MDC_UPLOAD_ID, uploadId);
                put(MDC_OWNER, owner);
                // Concatenated, not infof: java.util.Formatter cost more than the rest of the line.
                LOG.info(rc.request().method().name() + " " + path + " " + status + " " + millis + " ms upload="
                        + (uploadId == null ? "-" : uploadId) + " owner=" + (owner == null ? "-" : owner));
            } finally {
                // The request is over: nothing of it may leak into lines logged for the next one.
                MDC.remove(MDC_OWNER);
                MDC.remove(MDC_UPLOAD_ID);
            }
        });
        rc.next();
    }

    static String uploadIdIn(String text) {
        if (text == null) {
            return null;
        }
        Matcher matcher = UPLOAD_ID.matcher(text);
        return matcher.find() ? matcher.group(1).toLowerCase() : null;
    }

    /** The token's {@code sub} once the request was authenticated; never forces authentication itself. */
    private static String owner(RoutingContext rc) {
        if (rc.user() instanceof QuarkusHttpUser user && !user.getSecurityIdentity().isAnonymous()) {
            Principal principal = user.getSecurityIdentity().getPrincipal();
            if (principal instanceof JsonWebToken jwt && jwt.getSubject() != null) {
                return jwt.getSubject();
            }
            return principal == null ? null : principal.getName();
        }
        return null;
    }

    /**
     * The owner as it may appear in a log line: a {@code sub} is whatever the identity provider
     * signed, so control characters (a forged second log line) become {@code ?} and it is cut at
     * 255 characters, the longest owner the gateway accepts.
     */
    static String loggable(String owner) {
        if (owner == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(owner.length(), 256));
        for (int i = 0; i < owner.length() && out.length() < 255; i++) {
            char c = owner.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        return out.length() < owner.length() ? out + "…" : out.toString();
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
