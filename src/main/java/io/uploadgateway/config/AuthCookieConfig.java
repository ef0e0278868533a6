package io.uploadgateway.config;

import io.smallrye.config.WithDefault;

/**
 * The bearer token in a cookie, for the {@code /s3} routes only (Uppy's {@code @uppy/aws-s3}
 * adds no header to its calls). {@code POST /s3/session} sets it from the Authorization header.
 */
public interface AuthCookieConfig {
    /**
     * The cookie's name ({@code GATEWAY_AUTH_COOKIE_NAME}). The {@code __Host-} prefix makes browsers
     * refuse a cookie of that name from anywhere but this origin over HTTPS (or {@code localhost}):
     * no sibling subdomain can plant one.
     */
    @WithDefault("__Host-gateway_token")
    String name();

    /**
     * Whether the cookie is set with {@code Secure} (keep it on; browsers treat http://localhost as
     * secure too). A {@code __Host-} name requires it: startup refuses one without.
     */
    @WithDefault("true")
    boolean secure();
}
