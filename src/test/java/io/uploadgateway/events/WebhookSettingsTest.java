package io.uploadgateway.events;

import io.uploadgateway.config.WebhookConfig;
import io.uploadgateway.config.GatewayConfig;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the webhook configuration means, and what stops the gateway at startup. */
class WebhookSettingsTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /** The kinds the outbox is told of; it knows none itself. */
    private static final EventTypes TYPES = () -> List.of("upload.created", "upload.completed", "upload.aborted", "upload.expired");

    @Test
    void withoutAUrlEveryEventIsSkipped() {
        WebhookSettings off = settings(Map.of());
        off.check(null);
        assertFalse(off.enabled());
        for (String type : TYPES.names()) {
            assertEquals(EventStatus.SKIPPED, off.initialStatus(type));
        }
    }

    @Test
    void theTypeFilterSendsOnlyWhatTheBackendAskedFor() {
        WebhookSettings some = settings(Map.of("url", Optional.of("https://app.example.com/hooks"), "secret", Optional.of(SECRET),
                "eventTypes", Optional.of(List.of("upload.completed", " UPLOAD.EXPIRED "))));
        some.check(null);
        assertTrue(some.enabled());
        assertEquals(EventStatus.PENDING, some.initialStatus("upload.completed"));
        assertEquals(EventStatus.PENDING, some.initialStatus("upload.expired"));
        assertEquals(EventStatus.SKIPPED, some.initialStatus("upload.created"));
        assertEquals(EventStatus.SKIPPED, some.initialStatus("upload.aborted"));

        WebhookSettings all = settings(Map.of("url", Optional.of("http://backend:8080/webhook"), "secret", Optional.of(SECRET)));
        for (String type : TYPES.names()) {
            assertEquals(EventStatus.PENDING, all.initialStatus(type));
        }
        assertTrue(all.lease().compareTo(Duration.ofSeconds(10).multipliedBy(2)) > 0, "a lease outlives an attempt's deadline");
    }

    @Test
    void badSettingsStopTheGatewayWithWhatToChange() {
        assertProblem(Map.of("url", Optional.of("https://app.example.com/hooks")), "GATEWAY_WEBHOOK_SECRET is required");
        assertProblem(Map.of("url", Optional.of("ftp://app.example.com"), "secret", Optional.of(SECRET)), "GATEWAY_WEBHOOK_URL");
        assertProblem(Map.of("url", Optional.of("https://a.example"), "secret", Optional.of("plain-text")), "whsec_");
        assertProblem(Map.of("url", Optional.of("https://a.example"), "secret", Optional.of(SECRET),
                "eventTypes", Optional.of(List.of("upload.deleted"))), "upload.deleted");
        assertProblem(Map.of("url", Optional.of("https://a.example"), "secret", Optional.of(SECRET),
                "minBackoff", Duration.ofHours(2)), "MIN_BACKOFF");
    }

    private static void assertProblem(Map<String, Object> values, String mention) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> settings(values).check(null));
        assertTrue(e.getMessage().contains(mention), e.getMessage());
    }

    /** The webhook group with these values over the defaults of WebhookConfig. */
    private static WebhookSettings settings(Map<String, Object> values) {
        Map<String, Object> webhook = new HashMap<>(Map.of("url", Optional.empty(), "secret", Optional.empty(),
                "timeout", Duration.ofSeconds(10), "minBackoff", Duration.ofSeconds(5), "maxBackoff", Duration.ofHours(1),
                "maxAge", Duration.ofDays(3), "eventTypes", Optional.empty(), "concurrency", 8, "pollInterval", Duration.ofSeconds(1)));
        webhook.putAll(values);
        WebhookConfig group = (WebhookConfig) Proxy.newProxyInstance(WebhookSettingsTest.class.getClassLoader(),
                new Class<?>[]{WebhookConfig.class}, (proxy, method, args) -> webhook.get(method.getName()));
        GatewayConfig config = (GatewayConfig) Proxy.newProxyInstance(WebhookSettingsTest.class.getClassLoader(),
                new Class<?>[]{GatewayConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("webhook")) {
                        return group;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return new WebhookSettings(config, TYPES);
    }
}
