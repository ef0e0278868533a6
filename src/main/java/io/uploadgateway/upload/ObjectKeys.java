package io.uploadgateway.upload;

import java.util.UUID;
import java.util.regex.Pattern;

/** Builds object keys; the client never chooses one. */
public final class ObjectKeys {

    private ObjectKeys() {
    }

    private static final Pattern GATEWAY_KEY_TAIL = Pattern.compile(
            "[^/]+/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[^/]+");

    /**
     * Whether {@code key} has the shape of a key this gateway builds under {@code root}: an owner
     * segment, an upload id, a filename. Never true without a root: under an empty prefix the
     * gateway cannot tell its keys from other applications'.
     */
    public static boolean isGatewayKey(String root, String key) {
        return !root.isEmpty() && key.startsWith(root) && GATEWAY_KEY_TAIL.matcher(key).region(root.length(), key.length()).matches();
    }

    /** {@code <root><owner>/<uploadId>/<sanitised filename>}; the upload id keeps every key unique. */
    public static String forUpload(String root, String owner, UUID uploadId, String filename) {
        return root + Filenames.sanitise(owner) + "/" + uploadId + "/" + Filenames.sanitise(filename);
    }
}
