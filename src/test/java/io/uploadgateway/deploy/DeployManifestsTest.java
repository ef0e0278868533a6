package io.uploadgateway.deploy;

import io.uploadgateway.config.GatewayConfig;
import io.smallrye.config.WithName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads every manifest under {@code deploy/}: each parses as YAML, the Deployment has what a
 * production rollout needs, and every {@code GATEWAY_*} variable the manifests (or their docs)
 * name is a property the application actually reads.
 */
class DeployManifestsTest {

    private static final Path DEPLOY = Path.of("deploy");
    private static final Pattern GATEWAY_ENV = Pattern.compile("\\bGATEWAY_[A-Z0-9_]*[A-Z0-9]\\b");

    @Test
    void everyManifestParsesAsYaml() throws IOException {
        List<Path> manifests = manifests();
        assertTrue(manifests.size() >= 7, "compose.yaml and the k8s manifests: " + manifests);
        for (Path manifest : manifests) {
            List<Map<String, Object>> documents = documents(manifest);
            assertFalse(documents.isEmpty(), manifest + " is empty");
        }
    }

    @Test
    void theKubernetesManifestsCoverAProductionRollout() throws IOException {
        Set<String> kinds = new TreeSet<>();
        for (Map<String, Object> doc : allK8sDocuments()) {
            kinds.add((String) doc.get("kind"));
            assertNotNull(doc.get("apiVersion"), "apiVersion of " + doc.get("kind"));
            assertNotNull(map(doc, "metadata").get("name"), "metadata.name of " + doc.get("kind"));
        }
        assertTrue(kinds.containsAll(Set.of("Deployment", "Service", "ConfigMap", "HorizontalPodAutoscaler",
                "PodDisruptionBudget")), kinds.toString());

        Map<String, Object> hpa = only("HorizontalPodAutoscaler");
        assertTrue(((Number) map(hpa, "spec").get("minReplicas")).intValue() >= 2, "HPA keeps at least 2 replicas");
        assertEquals("Deployment", map(map(hpa, "spec"), "scaleTargetRef").get("kind"));
        Map<String, Object> pdb = only("PodDisruptionBudget");
        assertTrue(map(pdb, "spec").containsKey("minAvailable") || map(pdb, "spec").containsKey("maxUnavailable"));
    }

    @Test
    void theDeploymentHasWhatItNeeds() throws IOException {
        Map<String, Object> deployment = only("Deployment");
        Map<String, Object> spec = map(deployment, "spec");
        assertTrue(((Number) spec.get("replicas")).intValue() >= 2, "at least 2 replicas");
        Map<String, Object> pod = map(map(spec, "template"), "spec");
        assertTrue(((Number) pod.get("terminationGracePeriodSeconds")).intValue() > 30,
                "grace period longer than quarkus.shutdown.timeout (30s)");

        List<Map<String, Object>> containers = list(pod, "containers");
        Map<String, Object> gateway = containers.get(0);
        assertNotNull(gateway.get("image"), "image");
        assertEquals("/q/health/ready", map(map(gateway, "readinessProbe"), "httpGet").get("path"));
        assertEquals("/q/health/live", map(map(gateway, "livenessProbe"), "httpGet").get("path"));
        assertEquals("/q/health/started", map(map(gateway, "startupProbe"), "httpGet").get("path"));
        // Probes and scraping go to the management interface (quarkus.management.enabled), not the API port.
        for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            assertEquals("management", map(map(gateway, probe), "httpGet").get("port"), probe);
        }
        assertTrue(list(gateway, "ports").stream().anyMatch(port -> "management".equals(port.get("name"))
                && Integer.valueOf(9000).equals(port.get("containerPort"))), "a management port 9000");
        assertEquals("9000", map(map(map(spec, "template"), "metadata"), "annotations").get("prometheus.io/port"));
        Map<String, Object> service = only("Service");
        assertTrue(list(map(service, "spec"), "ports").stream().noneMatch(port -> "management".equals(port.get("targetPort"))
                || Integer.valueOf(9000).equals(port.get("targetPort"))), "the Service does not expose the management port");
        Map<String, Object> resources = map(gateway, "resources");
        assertTrue(map(resources, "requests").keySet().containsAll(Set.of("cpu", "memory")), "requests");
        assertTrue(map(resources, "limits").containsKey("memory"), "memory limit");
        assertNotNull(map(gateway, "lifecycle").get("preStop"), "preStop gives endpoints time to drop the pod");
        assertFalse(list(gateway, "envFrom").isEmpty(), "envFrom the ConfigMap");
        assertFalse(list(gateway, "env").isEmpty(), "env from the Secret");

        String text = Files.readString(DEPLOY.resolve("k8s/deployment.yaml"));
        for (String needed : List.of("QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD",
                "QUARKUS_S3_AWS_CREDENTIALS_STATIC_PROVIDER_ACCESS_KEY_ID",
                "QUARKUS_S3_AWS_CREDENTIALS_STATIC_PROVIDER_SECRET_ACCESS_KEY", "secretKeyRef", "secretName")) {
            assertTrue(text.contains(needed), "deployment.yaml refers to " + needed);
        }
        String config = Files.readString(DEPLOY.resolve("k8s/configmap.yaml"));
        for (String needed : List.of("GATEWAY_BUCKET", "QUARKUS_DATASOURCE_REACTIVE_URL", "QUARKUS_DATASOURCE_JDBC_URL",
                "QUARKUS_S3_AWS_REGION", "MP_JWT_VERIFY_ISSUER", "MP_JWT_VERIFY_PUBLICKEY_LOCATION", "MP_JWT_VERIFY_AUDIENCES",
                "GATEWAY_ADMIN_ROLE", "QUARKUS_MANAGEMENT_PORT")) {
            assertTrue(config.contains(needed), "configmap.yaml sets " + needed);
        }
    }

    @Test
    void composeRunsGatewayPostgresMinioAndTheBucketInit() throws IOException {
        Map<String, Object> compose = documents(DEPLOY.resolve("compose.yaml")).get(0);
        Map<String, Object> services = map(compose, "services");
        assertTrue(services.keySet().containsAll(Set.of("gateway", "postgres", "minio", "minio-init")), services.keySet().toString());
        String init = String.valueOf(services.get("minio-init"));
        for (String step : List.of("mc mb", "cors", "ilm", "AbortIncompleteMultipartUpload", "ETag")) {
            assertTrue(init.contains(step), "minio-init does " + step);
        }
        Map<String, Object> gatewayEnv = map(map(services, "gateway"), "environment");
        assertTrue(gatewayEnv.containsKey("GATEWAY_BUCKET"));
        assertTrue(gatewayEnv.containsKey("QUARKUS_DATASOURCE_REACTIVE_URL"));
        assertTrue(gatewayEnv.containsKey("MP_JWT_VERIFY_AUDIENCES"));
    }

    @Test
    void composeGivesTheGatewayCredentialsOfItsOwnAndPublishesOnLoopbackOnly() throws IOException {
        Map<String, Object> services = map(documents(DEPLOY.resolve("compose.yaml")).get(0), "services");
        assertTrue(services.containsKey("postgres-init"), "an init container creates the gateway's database role");
        Map<String, Object> gatewayEnv = map(map(services, "gateway"), "environment");
        String superuser = String.valueOf(map(map(services, "postgres"), "environment").get("POSTGRES_USER"));
        assertFalse(superuser.equals(gatewayEnv.get("QUARKUS_DATASOURCE_USERNAME")), "the gateway is not the superuser");
        for (String credential : List.of("QUARKUS_DATASOURCE_PASSWORD", "QUARKUS_S3_AWS_CREDENTIALS_STATIC_PROVIDER_ACCESS_KEY_ID",
                "QUARKUS_S3_AWS_CREDENTIALS_STATIC_PROVIDER_SECRET_ACCESS_KEY")) {
            String value = String.valueOf(gatewayEnv.get(credential));
            assertFalse(value.contains("MINIO_ROOT") || value.contains("POSTGRES_PASSWORD"), credential + " = " + value);
        }
        String init = String.valueOf(services.get("minio-init"));
        assertTrue(init.contains("mc admin user add") && init.contains("policy"), "minio-init creates the gateway's user");
        String postgresInit = String.valueOf(services.get("postgres-init"));
        assertTrue(postgresInit.contains("NOSUPERUSER") && postgresInit.contains("CREATE DATABASE uploads OWNER gateway"),
                postgresInit);
        int published = 0;
        for (Map.Entry<String, Object> service : services.entrySet()) {
            Object ports = ((Map<?, ?>) service.getValue()).get("ports");
            if (ports instanceof List<?> mappings) {
                for (Object mapping : mappings) {
                    published++;
                    String text = String.valueOf(mapping);
                    assertTrue(text.startsWith("127.0.0.1:") || text.startsWith("${BIND_ADDRESS:-127.0.0.1}:"),
                            service.getKey() + " publishes " + text + " on every interface");
                }
            }
        }
        assertTrue(published >= 3, "the gateway, S3 and management ports are published");
        assertTrue(String.valueOf(map(map(services, "gateway"), "healthcheck")).contains("/dev/tcp/127.0.0.1/9090"),
                "the healthcheck asks the management port");
        assertEquals("9090", String.valueOf(gatewayEnv.get("QUARKUS_MANAGEMENT_PORT")));
    }

    @Test
    void everyGatewayVariableInDeployIsAPropertyOfTheApp() throws IOException {
        Set<String> known = new TreeSet<>();
        for (String property : gatewayProperties()) {
            known.add(envName(property));
        }
        assertTrue(known.contains("GATEWAY_BUCKET") && known.contains("GATEWAY_PRESIGN_MAX_EXPIRY"), known.toString());

        Set<String> used = new TreeSet<>();
        try (Stream<Path> files = Files.walk(DEPLOY)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Matcher matcher = GATEWAY_ENV.matcher(Files.readString(file));
                while (matcher.find()) {
                    String name = matcher.group();
                    used.add(name);
                    assertTrue(known.contains(name), file + " uses " + name
                            + ", which is no property of GatewayConfig; known: " + known);
                }
            }
        }
        assertTrue(used.contains("GATEWAY_BUCKET"), "the manifests set the bucket: " + used);
    }

    @Test
    void theKeyCheckWouldCatchATypo() {
        Set<String> known = new TreeSet<>();
        gatewayProperties().forEach(p -> known.add(envName(p)));
        assertFalse(known.contains("GATEWAY_PRESIGN_MAX_EXPIRES"));
        assertFalse(known.contains("GATEWAY_BUCKETS"));
    }

    /** Every property of {@link GatewayConfig}, as SmallRye maps it: kebab-cased, nested groups dotted. */
    static List<String> gatewayProperties() {
        List<String> properties = new ArrayList<>();
        collect(GatewayConfig.class, "gateway", properties);
        return properties;
    }

    private static void collect(Class<?> mapping, String prefix, List<String> into) {
        for (Method method : mapping.getMethods()) {
            if (Modifier.isStatic(method.getModifiers()) || method.isDefault() || method.getParameterCount() > 0) {
                continue;
            }
            WithName rename = method.getAnnotation(WithName.class);
            String name = prefix + "." + (rename != null ? rename.value() : kebab(method.getName()));
            Class<?> type = method.getReturnType();
            if (type.isInterface() && type.getName().startsWith("io.uploadgateway.")) {
                collect(type, name, into);
            } else {
                into.add(name);
            }
        }
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    /** The environment variable SmallRye reads for a property: non-alphanumerics to '_', upper case. */
    static String envName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    private static List<Path> manifests() throws IOException {
        try (Stream<Path> files = Files.walk(DEPLOY)) {
            return files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
        }
    }

    private static List<Map<String, Object>> allK8sDocuments() throws IOException {
        List<Map<String, Object>> all = new ArrayList<>();
        for (Path manifest : manifests()) {
            if (manifest.startsWith(DEPLOY.resolve("k8s"))) {
                for (Map<String, Object> doc : documents(manifest)) {
                    if (doc.containsKey("kind") && doc.containsKey("apiVersion") && !"Kustomization".equals(doc.get("kind"))) {
                        all.add(doc);
                    }
                }
            }
        }
        return all;
    }

    private static Map<String, Object> only(String kind) throws IOException {
        List<Map<String, Object>> found = allK8sDocuments().stream().filter(d -> kind.equals(d.get("kind"))).toList();
        assertEquals(1, found.size(), "exactly one " + kind);
        return found.get(0);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documents(Path manifest) throws IOException {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object doc : yaml.loadAll(Files.readString(manifest))) {
            if (doc != null) {
                assertTrue(doc instanceof Map, manifest + ": every document is a mapping");
                documents.add((Map<String, Object>) doc);
            }
        }
        return documents;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertTrue(value instanceof Map, key + " is a mapping in " + parent.keySet());
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertTrue(value instanceof List, key + " is a list in " + parent.keySet());
        return (List<Map<String, Object>>) value;
    }
}
