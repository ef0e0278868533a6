package io.uploadgateway.upload;

import java.util.UUID;

/** Builds object keys; the client never chooses one. */
public final class ObjectKeys {

    private ObjectKeys() {
    }

    /** {@code <prefix>/<owner>/<uploadId>/<sanitised filename>}; the upload id keeps every key unique. */
    public static String forUpload(String prefix, String owner, UUID uploadId, String filename) {
        String cleanPrefix = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
        String head = cleanPrefix.isEmpty() ? "" : cleanPrefix + "/";
        return head + Filenames.sanitise(owner) + "/" + uploadId + "/" + Filenames.sanitise(filename);
    }

    /** The prefix under which every key of this gateway lives (for sweeps over S3 listings). */
    public static String rootPrefix(String prefix) {
        String cleanPrefix = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
        return cleanPrefix.isEmpty() ? "" : cleanPrefix + "/";
    }
}
