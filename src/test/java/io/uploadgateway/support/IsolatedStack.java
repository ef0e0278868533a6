package io.uploadgateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.uploadgateway.embedded.EmbeddedStack;

import java.util.Map;

/** A PostgreSQL + S3 pair of a test class's own, which that class may break (outage tests). */
public class IsolatedStack implements QuarkusTestResourceLifecycleManager {

    private static EmbeddedStack stack;

    @Override
    public Map<String, String> start() {
        try {
            stack = EmbeddedStack.start(null);
        } catch (Exception e) {
            throw new IllegalStateException("could not start an isolated test stack", e);
        }
        return LocalStack.withGatewayConfig(stack.config());
    }

    @Override
    public void stop() {
        try {
            stack.close();
        } catch (Exception ignored) {
            // parts of it were stopped on purpose
        }
    }

    public static EmbeddedStack stack() {
        return stack;
    }
}
