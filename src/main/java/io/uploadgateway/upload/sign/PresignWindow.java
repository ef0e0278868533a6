package io.uploadgateway.upload.sign;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** How long a presigned URL may live: what the client asked, within configuration and the signing credentials' life. */
public final class PresignWindow {

    private PresignWindow() {
    }

    /**
     * {@code requested} capped by {@code max} and, for temporary credentials, by the whole
     * seconds they have left (a URL outliving its credentials fails with 403 at S3). Empty when
     * the credentials have less than a second left.
     */
    public static Optional<Duration> of(Duration requested, Duration max, Optional<Instant> credentialsExpiry, Instant now) {
        Duration capped = requested.compareTo(max) > 0 ? max : requested;
        if (credentialsExpiry.isEmpty()) {
            return Optional.of(capped);
        }
        long secondsLeft = Duration.between(now, credentialsExpiry.get()).getSeconds();
        if (secondsLeft < 1) {
            return Optional.empty();
        }
        return Optional.of(secondsLeft < capped.getSeconds() ? Duration.ofSeconds(secondsLeft) : capped);
    }
}
