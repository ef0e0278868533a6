package io.uploadgateway.upload;

import java.util.UUID;

/** Builds object keys; the client never chooses one. */
public final class ObjectKeys {

    private ObjectKeys() {
    }

    /** {@code <root><owner>/<uploadId>/<sanitised filename>}; the upload id keeps every key unique. */
    public static String forUpload(String root, String owner, UUID uploadId, String filename) {
        return root + Filenames.sanitise(owner) + "/" + uploadId + "/" + Filenames.sanitise(filename);
    }
}
