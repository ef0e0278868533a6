package io.uploadgateway.embedded;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * In dev mode only, and only when no datasource URL or S3 endpoint is configured, starts the
 * {@link EmbeddedStack} (data kept under {@code target/dev-stack}) and a local JWT key pair, and
 * hands their coordinates to the application as configuration. In test and prod profiles, or
 * when the embedded libraries are absent (the packaged app), it does nothing.
 */
public class DevStackConfigSourceFactory implements ConfigSourceFactory {

    private static Map<String, String> started;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (!context.getProfiles().contains("dev") || !embeddedLibrariesPresent()
                || configured(context, "quarkus.datasource.reactive.url") || configured(context, "quarkus.s3.endpoint-override")) {
            return List.of();
        }
        return List.of(new PropertiesConfigSource(startOnce(configured(context, "gateway.scan.clamd")),
                "upload-gateway dev stack", 500));
    }

    private static synchronized Map<String, String> startOnce(boolean scannerConfigured) {
        if (started == null) {
            Path dataDir = Path.of(System.getProperty("user.dir"), "target", "dev-stack");
            try {
                EmbeddedStack stack = EmbeddedStack.start(dataDir);
                DevKeys keys = DevKeys.in(dataDir.resolve("jwt"));
                Map<String, String> config = new HashMap<>(stack.config());
                config.put("mp.jwt.verify.publickey.location", keys.publicKey().toUri().toString());
                config.put("smallrye.jwt.sign.key.location", keys.privateKey().toUri().toString());
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        stack.close();
                    } catch (Exception ignored) {
                        // the JVM is going away
                    }
                }, "dev-stack-shutdown"));
                String scanner = scannerConfigured ? "the configured clamd" : startClamd(dataDir.resolve("clamd"), config);
                System.out.printf("%nupload-gateway dev stack: PostgreSQL on port %d, S3 (S3Proxy) at %s, scan step: %s, data in %s%n%n",
                        stack.postgresPort(), stack.s3Endpoint(), scanner, dataDir);
                started = Map.copyOf(config);
            } catch (Exception e) {
                throw new IllegalStateException("could not start the embedded dev stack (PostgreSQL + S3Proxy) in " + dataDir, e);
            }
        }
        return started;
    }

    /**
     * The machine's clamd, if it has one, with the EICAR test signature only ({@link EmbeddedClamd}):
     * dev mode then shows the processing stage; without it there is no scan step, and the log says so.
     */
    private static String startClamd(Path dir, Map<String, String> config) {
        if (EmbeddedClamd.installed().isEmpty()) {
            return "none (no clamd on this machine: apt-get install clamav-daemon)";
        }
        try {
            EmbeddedClamd clamd = EmbeddedClamd.start(dir, 25L * 1024 * 1024);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    clamd.close();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }, "dev-clamd-shutdown"));
            config.put("gateway.scan.clamd", clamd.address());
            return "clamd at " + clamd.address() + " (knows the EICAR test signature only)";
        } catch (IOException | InterruptedException e) {
            return "none (clamd did not start: " + e.getMessage() + ")";
        }
    }

    private static boolean configured(ConfigSourceContext context, String key) {
        ConfigValue value = context.getValue(key);
        return value != null && value.getValue() != null && !value.getValue().isBlank();
    }

    private static boolean embeddedLibrariesPresent() {
        try {
            Class.forName("io.zonky.test.db.postgres.embedded.EmbeddedPostgres", false,
                    DevStackConfigSourceFactory.class.getClassLoader());
            Class.forName("org.gaul.s3proxy.S3Proxy", false, DevStackConfigSourceFactory.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
