package io.uploadgateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.uploadgateway.embedded.DevKeys;
import io.uploadgateway.embedded.EmbeddedStack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real PostgreSQL and a real S3 endpoint (S3Proxy with SigV4 checks) for the test run, plus
 * the key pair that signs test tokens. Started once and shared by every test class using it.
 */
public class LocalStack implements QuarkusTestResourceLifecycleManager {

    public static final String ISSUER = "upload-gateway-test";
    public static final String BUCKET = "test-uploads";

    private static EmbeddedStack stack;
    private static DevKeys keys;

    @Override
    public synchronized Map<String, String> start() {
        try {
            if (stack == null) {
                stack = EmbeddedStack.start(null);
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not start the local test stack", e);
        }
        return withGatewayConfig(stack.config());
    }

    /** The gateway and token settings every test stack shares. */
    static synchronized Map<String, String> withGatewayConfig(Map<String, String> stackConfig) {
        try {
            if (keys == null) {
                keys = DevKeys.in(Files.createTempDirectory("gateway-test-keys"));
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not create test keys", e);
        }
        Map<String, String> config = new HashMap<>(stackConfig);
        config.put("gateway.bucket", BUCKET);
        config.put("gateway.create-bucket", "true");
        config.put("mp.jwt.verify.issuer", ISSUER);
        config.put("mp.jwt.verify.publickey.location", keys.publicKey().toUri().toString());
        config.put("smallrye.jwt.sign.key.location", keys.privateKey().toUri().toString());
        return config;
    }

    @Override
    public void stop() {
        // Shared by all test classes of the run; the JVM's exit tears the servers down.
    }

    public static Path privateKey() {
        return keys.privateKey();
    }

    public static EmbeddedStack stack() {
        return stack;
    }
}
