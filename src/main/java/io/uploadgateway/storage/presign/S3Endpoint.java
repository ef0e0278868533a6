package io.uploadgateway.storage.presign;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * Where the URLs point and how buckets are addressed, resolved the way the AWS SDK's S3 endpoint
 * rules (2.42.7) resolve them for a plain S3 bucket:
 * <ul>
 *   <li>{@link #aws(String)}: AWS S3 itself, {@code https://BUCKET.s3.REGION.amazonaws.com}
 *       ({@code BUCKET.s3.amazonaws.com} in us-east-1, the SDK's default "legacy" global
 *       endpoint), falling back to path style {@code https://s3.REGION.amazonaws.com/BUCKET} for
 *       bucket names that cannot be a DNS label (dots, capitals, underscores);</li>
 *   <li>{@link #custom(URI, String, boolean)}: an endpoint override (S3Proxy, MinIO, R2, ...),
 *       path style ({@code http://127.0.0.1:9000/BUCKET/KEY}) or virtual-hosted
 *       ({@code https://BUCKET.s3.example.com:8443/KEY}); like the SDK it uses path style anyway
 *       for an IP-address host and for bucket names that cannot be a host label (with
 *       {@code http}, dotted names can). One difference: a dotted bucket on an {@code http} IP
 *       host, where the SDK builds {@code my.bucket.127.0.0.1} and fails, gets path style.</li>
 * </ul>
 * Default ports ({@code :80} for http, {@code :443} for https) are left out of URLs and of the
 * signed {@code host} header; any other port stays. An endpoint may have a base path
 * ({@code http://host:9000/s3}), which precedes the bucket (path style) or the key. With path
 * style and an endpoint path that ends in {@code /} (including a bare {@code http://host:9000/}),
 * the SDK drops a leading {@code /} of the key, and so does this class (see {@link #address}).
 *
 * <p>Not supported (use the SDK for these): FIPS, dual-stack, transfer acceleration, access
 * point and Outposts ARNs, S3 Express directory buckets, and the regional us-east-1 endpoint
 * that the SDK picks only when {@code AWS_S3_US_EAST_1_REGIONAL_ENDPOINT=regional} is set.
 * Immutable and thread-safe.
 */
public final class S3Endpoint {

    private final String scheme;
    /** host[:port] without a default port, e.g. {@code 127.0.0.1:9000}, {@code s3.eu-west-1.amazonaws.com}. */
    private final String authority;
    /** The endpoint's raw path: empty or starting with {@code /}. */
    private final String basePath;
    private final boolean hostIsIp;
    private final String region;
    private final boolean pathStyle;
    /** Made by {@link #aws}: AWS S3 itself, whose rules differ slightly from an override's. */
    private final boolean aws;

    private S3Endpoint(String scheme, String authority, String basePath, boolean hostIsIp, String region,
                       boolean pathStyle, boolean aws) {
        this.scheme = scheme;
        this.authority = authority;
        this.basePath = basePath;
        this.hostIsIp = hostIsIp;
        this.region = region;
        this.pathStyle = pathStyle;
        this.aws = aws;
    }

    /** AWS S3 in {@code region}, virtual-hosted where the bucket name allows it (the SDK's default). */
    public static S3Endpoint aws(String region) {
        return aws(region, false);
    }

    /** AWS S3 in {@code region}; {@code pathStyle} forces {@code https://s3.REGION.amazonaws.com/BUCKET}. */
    public static S3Endpoint aws(String region, boolean pathStyle) {
        requireRegion(region);
        String suffix;
        if (region.startsWith("cn-")) {
            suffix = "amazonaws.com.cn";
        } else if (region.contains("-iso") || region.startsWith("aws-")) {
            throw new IllegalArgumentException("region " + region + " is not supported: give its endpoint explicitly");
        } else {
            suffix = "amazonaws.com";
        }
        String host = region.equals("us-east-1") ? "s3." + suffix : "s3." + region + "." + suffix;
        return new S3Endpoint("https", host, "", false, region, pathStyle, true);
    }

    /**
     * An endpoint override, as the SDK's {@code endpointOverride} plus
     * {@code pathStyleAccessEnabled}: {@code http} or {@code https}, a host, an optional port and
     * an optional base path; no user info, query or fragment.
     */
    public static S3Endpoint custom(URI endpoint, String region, boolean pathStyle) {
        Objects.requireNonNull(endpoint, "endpoint");
        requireRegion(region);
        String scheme = endpoint.getScheme() == null ? null : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new IllegalArgumentException("endpoint must be http or https: " + endpoint);
        }
        String host = endpoint.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("endpoint has no host: " + endpoint);
        }
        if (endpoint.getRawUserInfo() != null || endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
            throw new IllegalArgumentException("endpoint must not have user info, a query or a fragment: " + endpoint);
        }
        for (int i = 0; i < host.length(); i++) {
            if (host.charAt(i) > 0x7E || host.charAt(i) <= 0x20) {
                throw new IllegalArgumentException("endpoint host must be ASCII: " + endpoint);
            }
        }
        int port = endpoint.getPort();
        boolean defaultPort = port == -1 || (port == 80 && scheme.equals("http")) || (port == 443 && scheme.equals("https"));
        String authority = defaultPort ? host : host + ":" + port;
        String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c != '/' && c != '%' && !AsciiBuffer.isUnreserved(c)) {
                throw new IllegalArgumentException("endpoint path must be URI-encoded: " + endpoint);
            }
        }
        return new S3Endpoint(scheme, authority, path, isIpAddress(host, true), region, pathStyle, false);
    }

    public String region() {
        return region;
    }

    public boolean pathStyle() {
        return pathStyle;
    }

    /** How one bucket is addressed: the scheme and authority of its URLs and the path before the key. */
    /** {@code scheme://authority} of the URLs of objects in {@code bucket}, e.g. for a page's Content-Security-Policy. */
    public String origin(String bucket) {
        Addressing address = address(bucket);
        return address.scheme() + "://" + address.authority();
    }

    Addressing address(String bucket) {
        requireBucket(bucket);
        boolean virtual;
        if (pathStyle) {
            virtual = false;
        } else if (aws) {
            virtual = isVirtualHostableBucket(bucket, false);
        } else {
            virtual = !hostIsIp && (isVirtualHostableBucket(bucket, false)
                    || (scheme.equals("http") && isVirtualHostableBucket(bucket, true)));
        }
        if (virtual) {
            String trimmed = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
            return new Addressing(scheme, bucket + "." + authority, trimmed + "/", false);
        }
        String normalized = basePath.isEmpty() ? "/" : basePath.endsWith("/") ? basePath : basePath + "/";
        // Bucket names are restricted to characters that URI encoding leaves alone (see requireBucket).
        // The SDK quirk (AwsEndpointProviderUtils.setUri, 2.42.7): with path-style addressing and an
        // endpoint path ending in '/' ("http://host:9000/"), it strips the endpoint path from the
        // marshalled "/<key>" and then one leading slash when appending, so a key's own leading
        // slash is lost ("/a" is addressed as "a"). The SDK's client does the same for
        // CreateMultipartUpload and CompleteMultipartUpload, so the URLs must too.
        return new Addressing(scheme, authority, normalized + bucket + "/", basePath.endsWith("/"));
    }

    /**
     * @param scheme              {@code http} or {@code https}
     * @param authority           the URL's authority and the signed {@code host} header value
     * @param keyPrefix           the encoded path before the encoded key, ending with {@code /}
     * @param dropKeyLeadingSlash whether a leading {@code /} of the key is left out, as the SDK does
     */
    record Addressing(String scheme, String authority, String keyPrefix, boolean dropKeyLeadingSlash) {

        /** The encoded path of {@code key}: the prefix and the key, URI-encoded with its slashes kept. */
        AsciiBuffer path(String key) {
            String k = dropKeyLeadingSlash && key.startsWith("/") ? key.substring(1) : key;
            return new AsciiBuffer(keyPrefix.length() + k.length() * 3 + 16).putAscii(keyPrefix).putUriEncoded(k, true);
        }
    }

    /** S3 bucket names, plus the capitals and underscores legacy buckets and other stores allow. */
    private static void requireBucket(String bucket) {
        Objects.requireNonNull(bucket, "bucket");
        if (bucket.isEmpty() || bucket.length() > 255) {
            throw new IllegalArgumentException("bad bucket name length: " + bucket.length());
        }
        for (int i = 0; i < bucket.length(); i++) {
            char c = bucket.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_')) {
                throw new IllegalArgumentException("bucket name has a character S3 does not allow: " + bucket);
            }
        }
        if (bucket.endsWith("--x-s3") || bucket.endsWith("--table-s3")) {
            throw new IllegalArgumentException("S3 Express directory buckets are not supported: " + bucket);
        }
    }

    private static void requireRegion(String region) {
        Objects.requireNonNull(region, "region");
        // The SDK's rules: a single valid host label.
        if (region.isEmpty() || region.length() > 63 || !isAlphanumeric(region.charAt(0))) {
            throw new IllegalArgumentException("region is not a valid DNS label: " + region);
        }
        for (int i = 1; i < region.length(); i++) {
            char c = region.charAt(i);
            if (!isAlphanumeric(c) && c != '-') {
                throw new IllegalArgumentException("region is not a valid DNS label: " + region);
            }
        }
    }

    private static boolean isAlphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static boolean isLowerAlphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }

    /** The SDK rules' {@code aws.isVirtualHostableS3Bucket}. */
    static boolean isVirtualHostableBucket(String bucket, boolean allowDots) {
        int n = bucket.length();
        if (n < 3 || n > 63 || !isLowerAlphanumeric(bucket.charAt(0)) || !isLowerAlphanumeric(bucket.charAt(n - 1))) {
            return false;
        }
        if (!allowDots) {
            for (int i = 1; i < n - 1; i++) {
                char c = bucket.charAt(i);
                if (!isLowerAlphanumeric(c) && c != '-') {
                    return false;
                }
            }
            return true;
        }
        char last = bucket.charAt(0);
        for (int i = 1; i < n; i++) {
            char c = bucket.charAt(i);
            if (c == '.') {
                if (last == '.' || last == '-') {
                    return false;
                }
            } else if (c == '-') {
                if (last == '.') {
                    return false;
                }
            } else if (!isLowerAlphanumeric(c)) {
                return false;
            }
            last = c;
        }
        return !isIpAddress(bucket, false);
    }

    /**
     * The SDK rules' IP test: {@code [IPv6]} or four dotted decimal groups of 1-3 digits without
     * leading zeros; for an endpoint host each at most 255 (the rules' URL parser), for a bucket
     * name any three digits (the rules' bucket check).
     */
    static boolean isIpAddress(String host, boolean checkRange) {
        if (host.startsWith("[") && host.endsWith("]")) {
            return true;
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3) {
                return false;
            }
            for (int i = 0; i < part.length(); i++) {
                if (part.charAt(i) < '0' || part.charAt(i) > '9') {
                    return false;
                }
            }
            if (part.length() > 1 && part.charAt(0) == '0') {
                return false;
            }
            if (checkRange && Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "S3Endpoint[" + scheme + "://" + authority + basePath + ", region=" + region
                + (aws ? ", aws" : "") + (pathStyle ? ", path-style" : "") + "]";
    }
}
