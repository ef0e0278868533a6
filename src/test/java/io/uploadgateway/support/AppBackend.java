package io.uploadgateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * A Quarkus test resource: the app backend's {@link WebhookReceiver} (webhooks and the pre-create
 * hook), with the gateway configured to use both and to retry quickly. Tests get the receiver in a
 * field of its type. Use beside {@link TestStack}.
 */
public class AppBackend implements QuarkusTestResourceLifecycleManager {

    /** {@code @ResourceArg} {@value}{@code =webhook}: the gateway also asks the receiver for the webhook processing step's verdicts. */
    public static final String PROCESSING = "processing";

    private WebhookReceiver receiver;
    private boolean processing;

    @Override
    public void init(Map<String, String> args) {
        processing = "webhook".equals(args.get(PROCESSING));
    }

    @Override
    public Map<String, String> start() {
        receiver = WebhookReceiver.start();
        Map<String, String> config = new HashMap<>(Map.ofEntries(
                Map.entry("gateway.webhook.url", receiver.webhookUrl()),
                Map.entry("gateway.webhook.secret", receiver.secret()),
                Map.entry("gateway.webhook.timeout", "PT2S"),
                Map.entry("gateway.webhook.min-backoff", "PT0.2S"),
                Map.entry("gateway.webhook.max-backoff", "PT1S"),
                Map.entry("gateway.webhook.poll-interval", "PT0.25S"),
                Map.entry("gateway.hook.pre-create-url", receiver.hookUrl()),
                Map.entry("gateway.hook.pre-create-timeout", "PT1S")));
        if (processing) {
            config.put("gateway.processing.webhook.url", receiver.processingUrl());
            config.put("gateway.processing.webhook.timeout", "PT2S");
        }
        return config;
    }

    @Override
    public void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(receiver, new TestInjector.MatchesType(WebhookReceiver.class));
    }
}
