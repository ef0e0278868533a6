package io.uploadgateway.http;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.storage.UrlSigner;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.net.URI;

/**
 * Security headers. Every answer carries {@code X-Content-Type-Options: nosniff}; the pages and
 * their scripts and styles (everything outside {@code /api}, {@code /q} and {@code /dev}) also
 * carry a strict {@code Content-Security-Policy} and {@code Referrer-Policy: no-referrer}.
 *
 * <p>The pages PUT parts to the object store, another origin, so {@code connect-src} names
 * exactly the origin of this gateway's presigned URLs. It is derived once at startup by
 * presigning a throwaway GET (CPU only, no S3 call) and taking its origin, so it follows the
 * configuration whatever it is: AWS (virtual-hosted bucket), R2, MinIO or S3Proxy (endpoint
 * override, path style or not). Should presigning fail at startup (e.g. no credentials yet),
 * the policy falls back to {@code connect-src 'self' https:} and says so in the log.
 */
@ApplicationScoped
public class SecurityHeaders {

    private static final Logger LOG = Logger.getLogger(SecurityHeaders.class);
    /** Runs before the access log's filter (1000), so even answers refused early carry the headers. */
    static final int PRIORITY = 1100;

    private final Stores stores;
    private volatile String pagePolicy;

    public SecurityHeaders(Stores stores) {
        this.stores = stores;
    }

    void register(@Observes Filters filters) {
        pagePolicy = pagePolicy(stores.all().stream().map(store -> storageOrigin(store.signer())).distinct()
                .collect(java.util.stream.Collectors.joining(" ")));
        LOG.debugf("Content-Security-Policy of the pages: %s", pagePolicy);
        filters.register(this::filter, PRIORITY);
    }

    void filter(RoutingContext rc) {
        String path = rc.normalizedPath();
        if (path != null && !path.startsWith("/q/")) {
            boolean page = !path.startsWith("/api/") && !path.equals("/api") && !path.startsWith("/dev/") && !path.startsWith("/s3/");
            rc.addHeadersEndHandler(ignored -> {
                var headers = rc.response().headers();
                headers.set("X-Content-Type-Options", "nosniff");
                if (page) {
                    headers.set("Content-Security-Policy", pagePolicy);
                    headers.set("Referrer-Policy", "no-referrer");
                }
            });
        }
        rc.next();
    }

    /** The policy of the pages, connecting to this gateway and to {@code storageOrigin} (CSP source expressions: every store's). */
    static String pagePolicy(String storageOrigin) {
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                + "connect-src 'self' " + storageOrigin + "; object-src 'none'; base-uri 'none'; "
                + "frame-ancestors 'none'; form-action 'self'";
    }

    /** {@code scheme://host[:port]} of a store's presigned URLs, or {@code https:} if it cannot be known. */
    static String storageOrigin(UrlSigner signer) {
        try {
            return originOf(URI.create(signer.origin()));
        } catch (RuntimeException e) {
            LOG.warnf("could not derive the object store's origin for the pages' Content-Security-Policy (%s); "
                    + "allowing connect-src https: instead", e.toString());
            return "https:";
        }
    }

    static String originOf(URI url) {
        if (url.getScheme() == null || url.getHost() == null) {
            throw new IllegalArgumentException("not an absolute URL");
        }
        String origin = url.getScheme().toLowerCase() + "://" + url.getHost().toLowerCase();
        return url.getPort() == -1 ? origin : origin + ":" + url.getPort();
    }
}
