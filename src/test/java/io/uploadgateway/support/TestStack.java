package io.uploadgateway.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.uploadgateway.embedded.DevKeys;
import io.uploadgateway.embedded.EmbeddedClamd;
import io.uploadgateway.embedded.EmbeddedStack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The one test stack: a real PostgreSQL and a real S3 endpoint (S3Proxy with SigV4 checks), plus
 * the key pair that signs test tokens. By default every test class shares one stack. Knobs, as
 * {@code @ResourceArg}s of {@code @WithTestResource(TestStack.class)}:
 * <ul>
 *   <li>{@value #OWN}{@code =<name>}: a stack of the class's own, which it may break (stop S3 or
 *       PostgreSQL); classes naming different stacks never share one;</li>
 *   <li>{@value #ETAG}{@code =hidden}: an own stack whose CORS rule allows PUT but does not expose
 *       ETag, the most common misconfiguration of real buckets;</li>
 *   <li>{@value #CREDENTIALS}{@code =expiring}: the gateway signs with credentials that expire ten
 *       minutes after they are resolved ({@link ExpiringCredentials});</li>
 *   <li>{@value #S3}{@code =faulty}: an own stack with a {@link FaultyS3} proxy in front of its S3
 *       endpoint; the gateway (and so every presigned URL) talks to S3 through the proxy, which the
 *       test gets in a field of type {@link FaultyS3};</li>
 *   <li>{@value #STORE}{@code =ignores-checksums}: an own stack behind a {@link FaultyS3} proxy that
 *       takes the startup probe's part with a wrong additional checksum ({@code 200}), as Scality
 *       CloudServer does, where S3Proxy refuses it: the gateway then knows a store that does not
 *       check them;</li>
 *   <li>{@value #SECOND_STORE}{@code =<name>}: an own stack whose gateway has a second store of that
 *       name ({@code gateway.stores.<name>.*}): the bucket {@value #BUCKET}{@code -<name>} on the same
 *       S3Proxy, reached through a {@link FaultyS3} proxy of its own (so a test can take that store
 *       down alone), which the test gets in a field of type {@link FaultyS3};</li>
 *   <li>{@value #S3}{@code =s3mock}: the gateway (and so every presigned URL, and the test's injected
 *       {@code S3AsyncClient}) talks to an Adobe {@link S3Mock} process of the application's own
 *       instead of S3Proxy, on the shared PostgreSQL; the test gets it in a field of type
 *       {@link S3Mock} (docs/storage-compatibility.md says what each store checks);</li>
 *   <li>{@value #POSTGRES}{@code =faulty}: an own stack with a {@link FaultyPostgres} proxy in front
 *       of its PostgreSQL for the gateway's reactive pools (Flyway migrates directly); the test gets
 *       it in a field of type {@link FaultyPostgres};</li>
 *   <li>{@value #SCAN}{@code =clamd}: the gateway scans with a clamd of the class's own
 *       ({@link EmbeddedClamd}: the machine's {@code clamav-daemon}, knowing the EICAR test
 *       signature, taking streams up to 8 MiB), which the test gets in a field of type
 *       {@link EmbeddedClamd} (to stop and start it, and count its scans);</li>
 *   <li>any {@code gateway.*} or {@code quarkus.*} key: that configuration value, for drills that
 *       shorten timeouts (e.g. {@code gateway.storage.call-timeout=PT3S}).</li>
 * </ul>
 * A test gets the stack it runs on in a field of type {@link EmbeddedStack}. Classes whose
 * {@code @ResourceArg}s are identical share one application, and so one own stack.
 */
public class TestStack implements QuarkusTestResourceLifecycleManager {

    public static final String OWN = "own";
    public static final String ETAG = "etag";
    public static final String CREDENTIALS = "credentials";
    public static final String S3 = "s3";
    public static final String POSTGRES = "postgres";
    public static final String STORE = "store";
    public static final String SECOND_STORE = "second-store";
    public static final String SCAN = "scan";
    /** The StreamMaxLength of a test's clamd. */
    public static final long CLAMD_STREAM_MAX = 8L * 1024 * 1024;
    public static final String ISSUER = "upload-gateway-test";
    /** The audience test tokens are issued for (mp.jwt.verify.audiences of the test stack). */
    public static final String AUDIENCE = "upload-gateway-test";
    /** The operators' group of the test stack: deliberately not the default, so tests prove it is read from config. */
    public static final String ADMIN_ROLE = "upload-gateway-test-operators";
    /** The pull feed's group of the test stack, likewise not the default. */
    public static final String FEED_GROUP = "upload-gateway-test-events";
    public static final String BUCKET = "test-uploads";

    private static EmbeddedStack shared;
    private static DevKeys keys;

    private boolean own;
    private boolean exposeEtag = true;
    private boolean expiringCredentials;
    private boolean faulty;
    private boolean faultyPostgres;
    private boolean ignoresChecksums;
    private String secondStore;
    private boolean s3mock;
    private final Map<String, String> overrides = new HashMap<>();
    private EmbeddedStack stack;
    private FaultyS3 proxy;
    private FaultyPostgres postgresProxy;
    private S3Mock mock;
    private boolean scan;
    private EmbeddedClamd clamd;

    @Override
    public void init(Map<String, String> args) {
        exposeEtag = !"hidden".equals(args.get(ETAG));
        own = args.containsKey(OWN) || !exposeEtag;
        expiringCredentials = "expiring".equals(args.get(CREDENTIALS));
        ignoresChecksums = "ignores-checksums".equals(args.get(STORE));
        faulty = "faulty".equals(args.get(S3)) || ignoresChecksums;
        s3mock = "s3mock".equals(args.get(S3));
        faultyPostgres = "faulty".equals(args.get(POSTGRES));
        secondStore = args.get(SECOND_STORE);
        scan = "clamd".equals(args.get(SCAN));
        own = args.containsKey(OWN) || !exposeEtag || faulty || faultyPostgres || secondStore != null;
        args.forEach((name, value) -> {
            if (name.startsWith("gateway.") || name.startsWith("quarkus.")) {
                overrides.put(name, value);
            }
        });
    }

    @Override
    public Map<String, String> start() {
        try {
            stack = own ? EmbeddedStack.start(null, exposeEtag) : shared();
            Map<String, String> config = gatewayConfig(stack.config());
            if (expiringCredentials) {
                config.put("quarkus.s3.aws.credentials.type", "custom");
                config.put("quarkus.s3.aws.credentials.custom-provider.name", ExpiringCredentials.NAME);
            }
            if (faulty) {
                proxy = FaultyS3.start(stack.s3Endpoint());
                config.put("quarkus.s3.endpoint-override", proxy.endpoint());
                if (ignoresChecksums) {
                    proxy.rule(seen -> seen.kind().equals("UploadPart") && seen.target().contains("/.capability-probe/"),
                            FaultyS3.Action.ok());
                }
            }
            if (secondStore != null) {
                proxy = FaultyS3.start(stack.s3Endpoint());
                String store = "gateway.stores." + secondStore + ".";
                config.put(store + "bucket", BUCKET + "-" + secondStore);
                config.put(store + "endpoint", proxy.endpoint());
                config.put(store + "path-style", "true");
            }
            if (s3mock) {
                mock = S3Mock.start(BUCKET);
                config.put("quarkus.s3.endpoint-override", mock.endpoint());
            }
            if (scan) {
                clamd = EmbeddedClamd.start(Files.createTempDirectory("gateway-test-clamd"), CLAMD_STREAM_MAX);
                config.put("gateway.scan.clamd", clamd.address());
            }
            if (faultyPostgres) {
                postgresProxy = FaultyPostgres.start(stack.postgresPort());
                config.put("quarkus.datasource.reactive.url", "postgresql://localhost:" + postgresProxy.port() + "/postgres");
            }
            config.putAll(overrides);
            return config;
        } catch (Exception e) {
            throw new IllegalStateException("could not start the test stack", e);
        }
    }

    @Override
    public void stop() {
        if (mock != null) {
            mock.close();
            mock = null;
        }
        if (clamd != null) {
            try {
                clamd.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            clamd = null;
        }
        if (!own || stack == null) {
            return; // the shared stack lives as long as the test JVM
        }
        try {
            if (proxy != null) {
                proxy.close();
            }
            if (postgresProxy != null) {
                postgresProxy.close();
            }
            stack.close();
        } catch (Exception ignored) {
            // parts of it were stopped on purpose
        }
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(stack, new TestInjector.MatchesType(EmbeddedStack.class));
        if (proxy != null) {
            injector.injectIntoFields(proxy, new TestInjector.MatchesType(FaultyS3.class));
        }
        if (mock != null) {
            injector.injectIntoFields(mock, new TestInjector.MatchesType(S3Mock.class));
        }
        if (clamd != null) {
            injector.injectIntoFields(clamd, new TestInjector.MatchesType(EmbeddedClamd.class));
        }
        if (postgresProxy != null) {
            injector.injectIntoFields(postgresProxy, new TestInjector.MatchesType(FaultyPostgres.class));
        }
    }

    private static synchronized EmbeddedStack shared() throws Exception {
        if (shared == null) {
            shared = EmbeddedStack.start(null);
        }
        return shared;
    }

    /** The gateway and token settings of every test stack. */
    private static synchronized Map<String, String> gatewayConfig(Map<String, String> stackConfig) throws Exception {
        if (keys == null) {
            keys = DevKeys.in(Files.createTempDirectory("gateway-test-keys"));
        }
        Map<String, String> config = new HashMap<>(stackConfig);
        config.put("gateway.bucket", BUCKET);
        config.put("gateway.create-bucket", "true");
        config.put("mp.jwt.verify.issuer", ISSUER);
        config.put("mp.jwt.verify.audiences", AUDIENCE);
        config.put("gateway.admin-role", ADMIN_ROLE);
        config.put("gateway.events.feed-group", FEED_GROUP);
        // The packaged app (prod profile) of PackagedAppIT: any free management port, never a fixed one.
        config.put("quarkus.management.port", "0");
        config.put("mp.jwt.verify.publickey.location", keys.publicKey().toUri().toString());
        config.put("smallrye.jwt.sign.key.location", keys.privateKey().toUri().toString());
        return config;
    }

    public static Path privateKey() {
        return keys.privateKey();
    }

    /** The PEM file of the public key the gateway verifies test tokens with. */
    public static Path publicKey() {
        return keys.publicKey();
    }
}
