package io.uploadgateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.uploadgateway.embedded.EmbeddedStack;

import java.util.Map;

/**
 * A PostgreSQL + S3Proxy of its own for tests that take S3 away and bring it back. Unlike
 * {@link IsolatedStack} (whose tests leave PostgreSQL stopped), the stack stays whole between
 * tests, and being a different resource it never shares a running app with other test classes.
 */
public class OutageStack implements QuarkusTestResourceLifecycleManager {

    private static EmbeddedStack stack;

    @Override
    public Map<String, String> start() {
        try {
            stack = EmbeddedStack.start(null);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the outage test stack", e);
        }
        return LocalStack.withGatewayConfig(stack.config());
    }

    @Override
    public void stop() {
        try {
            if (stack != null) {
                stack.close();
            }
        } catch (Exception ignored) {
            // the JVM is going away
        }
    }

    public static EmbeddedStack stack() {
        return stack;
    }
}
