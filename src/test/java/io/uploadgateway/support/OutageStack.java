package io.uploadgateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.uploadgateway.embedded.DevKeys;
import io.uploadgateway.embedded.EmbeddedStack;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * A PostgreSQL + S3Proxy of its own for tests that take S3 away and bring it back, so the
 * outage never reaches test classes that share {@link LocalStack}.
 */
public class OutageStack implements QuarkusTestResourceLifecycleManager {

    private static EmbeddedStack stack;

    @Override
    public Map<String, String> start() {
        try {
            stack = EmbeddedStack.start(null);
            DevKeys keys = DevKeys.in(Files.createTempDirectory("gateway-outage-keys"));
            Map<String, String> config = new HashMap<>(stack.config());
            config.put("gateway.bucket", "outage-uploads");
            config.put("gateway.create-bucket", "true");
            config.put("mp.jwt.verify.issuer", LocalStack.ISSUER);
            config.put("mp.jwt.verify.publickey.location", keys.publicKey().toUri().toString());
            config.put("smallrye.jwt.sign.key.location", keys.privateKey().toUri().toString());
            return config;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the outage test stack", e);
        }
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
