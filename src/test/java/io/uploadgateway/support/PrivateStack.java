package io.uploadgateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.uploadgateway.embedded.EmbeddedStack;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A PostgreSQL + S3Proxy pair of a test class's own, which that class may break. Each subclass
 * is a distinct test resource, so the classes using it never share a running app (or a broken
 * stack) with other test classes.
 */
public abstract class PrivateStack implements QuarkusTestResourceLifecycleManager {

    private static final Map<Class<?>, EmbeddedStack> RUNNING = new ConcurrentHashMap<>();

    @Override
    public Map<String, String> start() {
        try {
            EmbeddedStack stack = startStack();
            RUNNING.put(getClass(), stack);
            return LocalStack.withGatewayConfig(stack.config());
        } catch (Exception e) {
            throw new IllegalStateException("could not start " + getClass().getSimpleName(), e);
        }
    }

    @Override
    public void stop() {
        EmbeddedStack stack = RUNNING.remove(getClass());
        try {
            if (stack != null) {
                stack.close();
            }
        } catch (Exception ignored) {
            // parts of it were stopped on purpose
        }
    }

    /** The stack this resource runs; a subclass may start it differently. */
    protected EmbeddedStack startStack() throws Exception {
        return EmbeddedStack.start(null);
    }

    protected static EmbeddedStack running(Class<? extends PrivateStack> type) {
        return RUNNING.get(type);
    }
}
