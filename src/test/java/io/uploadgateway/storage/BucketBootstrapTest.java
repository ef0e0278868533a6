package io.uploadgateway.storage;

import io.uploadgateway.config.GatewayConfig;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.LifecycleRule;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bucket rules the gateway puts with gateway.manage-bucket (S3Proxy takes none of them: unit-tested). */
class BucketBootstrapTest {

    private static final GatewayConfig CONFIG = config();

    @Test
    void incompleteMultipartUploadsAreAbortedAndStagingObjectsExpireOnlyUnderTheirPrefixes() {
        LifecycleRule multipart = BucketBootstrap.lifecycleRule(Store.DEFAULT, CONFIG.keyRoot(), CONFIG);
        assertEquals("uploads/", multipart.filter().prefix());
        assertEquals(31, multipart.abortIncompleteMultipartUpload().daysAfterInitiation());
        assertNull(multipart.expiration(), "completed objects are never expired by the gateway's rules");

        LifecycleRule staging = BucketBootstrap.stagingRule(Store.DEFAULT, CONFIG.stagingRoot(), CONFIG);
        assertEquals("uploads/staging/", staging.filter().prefix());
        assertEquals(31, staging.expiration().days());
    }

    @Test
    void browsersMayPutPartsAndPostFormsAndReadTheEtag() {
        var cors = BucketBootstrap.corsRule(CONFIG.corsAllowedOrigins(), true);
        assertTrue(cors.allowedMethods().containsAll(List.of("PUT", "POST")), cors.toString());
        assertEquals(List.of("ETag"), cors.exposeHeaders());
        assertEquals(List.of("https://app.example.com"), cors.allowedOrigins());
    }

    @Test
    void storesSharingABucketKeepEachOthersRules() {
        LifecycleRule ours = BucketBootstrap.lifecycleRule(Store.DEFAULT, "uploads/", CONFIG);
        LifecycleRule theirs = BucketBootstrap.lifecycleRule("acme", "acme/", CONFIG);
        assertEquals("upload-gateway-abort-incomplete-multipart", ours.id(), "the default store keeps the id buckets already have");
        assertEquals("upload-gateway-abort-incomplete-multipart-acme", theirs.id());
        assertEquals("acme/", theirs.filter().prefix());
        assertEquals("upload-gateway-expire-staging-acme", BucketBootstrap.stagingRule("acme", "acme/staging/", CONFIG).id());
    }

    @Test
    void withoutPostObjectTheRuleAllowsNoPost() {
        var cors = BucketBootstrap.corsRule(List.of("https://app.example.com"), false);
        assertEquals(List.of("GET", "PUT", "HEAD"), cors.allowedMethods());
        assertEquals(List.of("ETag"), cors.exposeHeaders());
    }

    private static GatewayConfig config() {
        return proxy(GatewayConfig.class, Map.of("keyPrefix", "uploads", "maxUploadAge", Duration.ofDays(30),
                "lifecycleAbortDays", OptionalInt.empty(), "corsAllowedOrigins", List.of("https://app.example.com")));
    }

    private static <T> T proxy(Class<T> type, Map<String, Object> values) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            if (!values.containsKey(method.getName())) {
                throw new UnsupportedOperationException(method.getName());
            }
            return values.get(method.getName());
        };
        return type.cast(Proxy.newProxyInstance(BucketBootstrapTest.class.getClassLoader(), new Class<?>[]{type}, handler));
    }
}
