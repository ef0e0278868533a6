package io.uploadgateway.events;

import io.uploadgateway.upload.UploadState;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The kinds of upload events, each named by the state change it reports. A new kind is one more
 * constant.
 */
public enum EventType {
    CREATED("upload.created", UploadState.UPLOADING),
    COMPLETED("upload.completed", UploadState.COMPLETED),
    ABORTED("upload.aborted", UploadState.ABORTED),
    EXPIRED("upload.expired", UploadState.EXPIRED),
    REJECTED("upload.rejected", UploadState.REJECTED);

    private final String wireName;
    private final UploadState reports;

    EventType(String wireName, UploadState reports) {
        this.wireName = wireName;
        this.reports = reports;
    }

    /** The name in payloads, filters and the feed, e.g. {@code upload.completed}. */
    public String wireName() {
        return wireName;
    }

    /** The event that reports an upload now in {@code state}. */
    public static EventType reporting(UploadState state) {
        return Arrays.stream(values()).filter(type -> type.reports == state).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no event reports the state " + state));
    }

    public static Optional<EventType> named(String wireName) {
        String wanted = wireName == null ? "" : wireName.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(type -> type.wireName.equals(wanted)).findFirst();
    }

    /** Every wire name, for messages. */
    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(EventType::wireName).toList());
    }
}
