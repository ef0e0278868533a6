package io.uploadgateway.events;

import io.uploadgateway.config.WebhookConfig;
import io.quarkus.runtime.StartupEvent;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.outbound.SignedPost;
import io.uploadgateway.outbound.StandardWebhooks;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The webhook configuration, checked once: a receiver URL (off when unset), its signing key, the
 * event types it wants, the retry policy and the dispatch lease. A bad value stops the gateway at
 * startup with what to change.
 */
@ApplicationScoped
public class WebhookSettings {

    private final WebhookConfig config;
    private final String url;
    private final byte[] key;
    private final Set<String> types;
    private final List<String> problems = new ArrayList<>();

    public WebhookSettings(GatewayConfig gateway, EventTypes known) {
        this.config = gateway.webhook();
        this.url = config.url().map(String::strip).filter(u -> !u.isEmpty()).orElse(null);
        byte[] parsedKey = null;
        if (url != null) {
            String urlProblem = SignedPost.urlProblem(url);
            if (urlProblem != null) {
                problems.add("GATEWAY_WEBHOOK_URL " + urlProblem);
            }
            if (config.secret().isEmpty()) {
                problems.add("GATEWAY_WEBHOOK_SECRET is required with GATEWAY_WEBHOOK_URL (whsec_ + base64 of a random key)");
            }
        }
        if (config.secret().isPresent()) {
            try {
                parsedKey = StandardWebhooks.key(config.secret().get().strip());
            } catch (IllegalArgumentException e) {
                problems.add("GATEWAY_WEBHOOK_SECRET " + e.getMessage());
            }
        }
        this.key = parsedKey;
        Set<String> wanted = new HashSet<>();
        for (String name : config.eventTypes().orElse(List.of())) {
            if (!name.isBlank()) {
                known.named(name).ifPresentOrElse(wanted::add, () -> problems.add("GATEWAY_WEBHOOK_EVENT_TYPES names '" + name
                        + "', which is not one of " + String.join(", ", known.names())));
            }
        }
        this.types = wanted.isEmpty() ? Set.copyOf(known.names()) : Set.copyOf(wanted);
        if (config.timeout().isNegative() || config.timeout().isZero()) {
            problems.add("GATEWAY_WEBHOOK_TIMEOUT must be positive");
        }
        if (config.minBackoff().compareTo(config.maxBackoff()) > 0) {
            problems.add("GATEWAY_WEBHOOK_MIN_BACKOFF must not exceed GATEWAY_WEBHOOK_MAX_BACKOFF");
        }
        if (config.concurrency() < 1) {
            problems.add("GATEWAY_WEBHOOK_CONCURRENCY must be at least 1");
        }
    }

    void check(@Observes StartupEvent event) {
        if (!problems.isEmpty()) {
            throw new IllegalStateException("upload-gateway webhook configuration: " + String.join("; ", problems));
        }
    }

    /** Whether this replica sends webhooks. */
    public boolean enabled() {
        return url != null;
    }

    public String url() {
        return url;
    }

    /** The signing key, or null when no secret is configured. */
    public byte[] key() {
        return key == null ? null : key.clone();
    }

    /** How an event of {@code type} written now starts out: to be delivered, or never to be sent. */
    public EventStatus initialStatus(String type) {
        return enabled() && types.contains(type) ? EventStatus.PENDING : EventStatus.SKIPPED;
    }

    public RetryPolicy retry() {
        return new RetryPolicy(config.minBackoff(), config.maxBackoff(), config.maxAge());
    }

    public Duration timeout() {
        return config.timeout();
    }

    /**
     * How long a dispatcher's claim keeps other dispatchers off an event: well beyond one attempt's
     * hard deadline, so an event is never sent by two replicas at once; a crashed replica's claim
     * is retaken once it runs out.
     */
    public Duration lease() {
        return config.timeout().multipliedBy(2).plusSeconds(30);
    }

    public int concurrency() {
        return config.concurrency();
    }

    public Duration pollInterval() {
        return config.pollInterval();
    }
}
