package io.uploadgateway.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How far the local clock is from object storage's, read from the {@code Date} header of S3
 * responses. S3 refuses signatures more than 15 minutes off, so presigned URLs start failing
 * long before anything else notices: past {@link #WARN_AFTER} this logs a warning, and the value
 * is always a gauge ({@value #METRIC}) and part of the readiness data.
 */
@Startup
@ApplicationScoped
public class ClockSkew {

    public static final String METRIC = "gateway.storage.clock.skew.seconds";
    public static final Duration WARN_AFTER = Duration.ofMinutes(5);
    /** S3 rejects requests (and so presigned URLs) whose signing time is off by more than this. */
    public static final Duration S3_LIMIT = Duration.ofMinutes(15);
    private static final Duration WARN_EVERY = Duration.ofMinutes(10);
    private static final Logger LOG = Logger.getLogger(ClockSkew.class);

    /**
     * The host's clock, deliberately not the application's injectable {@code Clock}: the AWS SDK
     * signs with the system clock, so that is the one whose skew breaks presigned URLs.
     */
    private final Clock clock = Clock.systemUTC();
    private volatile double skewSeconds = Double.NaN;
    private volatile Instant lastWarning = Instant.MIN;
    private final MeterRegistry registry;
    private final Gauge gauge;

    public ClockSkew(MeterRegistry registry) {
        this.registry = registry;
        this.gauge = Gauge.builder(METRIC, this, ClockSkew::skewSeconds)
                .description("Local clock minus the Date of the latest S3 response, in seconds (positive: local clock ahead)")
                .baseUnit("seconds")
                .register(registry);
    }

    /**
     * A gauge reads this bean, so it goes with it. (Micrometer keeps the first gauge registered
     * under a name and ignores later ones: an application restarted in the same JVM, as tests and
     * live reload do, would otherwise export the dead bean's value, or nothing once it is collected.)
     */
    @PreDestroy
    void unregister() {
        registry.remove(gauge);
    }

    /** Local time minus the server's {@code Date} (RFC 1123), in whole seconds; empty when the header is absent or malformed. */
    public static OptionalLong skewSeconds(Instant localNow, String dateHeader) {
        if (dateHeader == null || dateHeader.isBlank()) {
            return OptionalLong.empty();
        }
        try {
            Instant server = ZonedDateTime.parse(dateHeader.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return OptionalLong.of(Duration.between(server, localNow).getSeconds());
        } catch (DateTimeParseException e) {
            return OptionalLong.empty();
        }
    }

    /** Records the skew seen in one S3 response; returns it when the response carried a usable Date. */
    public OptionalLong observe(Optional<String> dateHeader) {
        OptionalLong skew = skewSeconds(clock.instant(), dateHeader.orElse(null));
        if (skew.isPresent()) {
            skewSeconds = skew.getAsLong();
            if (Math.abs(skew.getAsLong()) > WARN_AFTER.getSeconds()) {
                Instant now = clock.instant();
                if (lastWarning.plus(WARN_EVERY).isBefore(now)) {
                    lastWarning = now;
                    LOG.warnf("the local clock is %d s off object storage's (S3 refuses signatures more than %d s off):"
                            + " presigned URLs may fail; check NTP on this host", skew.getAsLong(), S3_LIMIT.getSeconds());
                }
            }
        }
        return skew;
    }

    /** The latest observed skew in seconds, NaN before the first S3 response. */
    public double skewSeconds() {
        return skewSeconds;
    }

    public static boolean worrying(long skewSeconds) {
        return Math.abs(skewSeconds) > WARN_AFTER.getSeconds();
    }
}
