package io.uploadgateway.upload.sign;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** How long a presigned URL may live: what the client asked, within configuration and the signing credentials' life. */
public record PresignWindow(Duration lifetime, Cap cappedBy) {

    /** What shortened the lifetime the client asked for, if anything. */
    public enum Cap {
        CONFIGURATION, CREDENTIALS;

        /** As the API spells it: {@code configuration}, {@code credentials}. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * {@code requested} capped by {@code max} and, for temporary credentials, by the whole
     * seconds they have left (a URL outliving its credentials fails with 403 at S3). Empty when
     * the credentials have less than a second left.
     */
    public static Optional<PresignWindow> of(Duration requested, Duration max, Optional<Instant> credentialsExpiry, Instant now) {
        PresignWindow window = requested.compareTo(max) > 0 ? new PresignWindow(max, Cap.CONFIGURATION) : new PresignWindow(requested, null);
        if (credentialsExpiry.isEmpty()) {
            return Optional.of(window);
        }
        long secondsLeft = Duration.between(now, credentialsExpiry.get()).getSeconds();
        if (secondsLeft < 1) {
            return Optional.empty();
        }
        return Optional.of(secondsLeft < window.lifetime().getSeconds()
                ? new PresignWindow(Duration.ofSeconds(secondsLeft), Cap.CREDENTIALS) : window);
    }
}
