package io.uploadgateway.upload;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/** Checks of client input other than filenames and sizes; each returns null or what to change. */
public final class UploadRules {

    public static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    /** S3 allows 2 KB of user metadata (keys and values) per object. */
    public static final int MAX_METADATA_BYTES = 2048;

    private static final String TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
    private static final Pattern MEDIA_TYPE = Pattern.compile(
            TOKEN + "/" + TOKEN + "(\\s*;\\s*" + TOKEN + "=(" + TOKEN + "|\"[^\"\\\\\\p{Cntrl}]*\"))*");
    private static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
    private static final Pattern PRINTABLE_ASCII = Pattern.compile("[\\x20-\\x7E]*");
    /** ETags are opaque; S3 and its clones use quoted hex, sometimes with a -N suffix. */
    private static final Pattern ETAG = Pattern.compile("\"?[\\x21\\x23-\\x7E]{1,200}\"?");

    private UploadRules() {
    }

    public static String contentTypeProblem(String contentType) {
        if (contentType == null) {
            return null;
        }
        if (contentType.length() > 255 || !MEDIA_TYPE.matcher(contentType.strip()).matches()) {
            return "contentType must be a media type like 'video/mp4' or 'text/plain; charset=utf-8'";
        }
        return null;
    }

    public static String metadataProblem(Map<String, String> metadata) {
        if (metadata == null) {
            return null;
        }
        int bytes = 0;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null || !METADATA_KEY.matcher(e.getKey()).matches()) {
                return "metadata key '" + e.getKey() + "' must be 1-128 letters, digits, '-' or '_'";
            }
            if (e.getValue() == null || !PRINTABLE_ASCII.matcher(e.getValue()).matches()) {
                return "metadata value of '" + e.getKey() + "' must be printable ASCII text (S3 sends it as a header)";
            }
            bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().length();
        }
        if (bytes > MAX_METADATA_BYTES) {
            return "metadata must total at most " + MAX_METADATA_BYTES + " bytes of keys and values, got " + bytes;
        }
        return null;
    }

    public static String etagProblem(String etag) {
        if (etag == null || etag.isBlank()) {
            return "etag is required: the ETag header of S3's response to the part upload";
        }
        if (!ETAG.matcher(etag).matches()) {
            return "etag must be the ETag header value S3 returned for the part, e.g. \"9b2cf535f27731c974343645a3985328\"";
        }
        return null;
    }

    /** The canonical, quoted form in which ETags are stored and compared. */
    public static String normaliseEtag(String etag) {
        String bare = etag.strip();
        if (bare.startsWith("W/")) {
            bare = bare.substring(2);
        }
        if (bare.length() >= 2 && bare.startsWith("\"") && bare.endsWith("\"")) {
            bare = bare.substring(1, bare.length() - 1);
        }
        return "\"" + bare + "\"";
    }
}
