package io.uploadgateway.http;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.uploadgateway.embedded.EmbeddedStack;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pages carry a strict CSP whose connect-src is exactly the object store's origin; every answer is nosniff. */
@QuarkusTest
@WithTestResource(TestStack.class)
class SecurityHeadersTest {

    EmbeddedStack stack;

    private static Map<String, String> directives(String policy) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (String directive : policy.split(";")) {
            String[] words = directive.strip().split("\\s+", 2);
            byName.put(words[0], words.length > 1 ? words[1] : "");
        }
        return byName;
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/index.html", "/admin.html", "/js/upload-client.js", "/js/upload/part-transport.js",
            "/css/uploader.css", "/no-such-page.html"})
    void pagesAndTheirAssetsCarryTheSecurityHeaders(String path) {
        Response response = given().get(path);
        String policy = response.header("Content-Security-Policy");
        assertNotNull(policy, path + " has no CSP");
        Map<String, String> csp = directives(policy);
        assertEquals("'self'", csp.get("script-src"), policy);
        assertEquals("'self'", csp.get("style-src"), policy);
        assertEquals("'none'", csp.get("frame-ancestors"), policy);
        assertEquals("'none'", csp.get("object-src"), policy);
        assertEquals("'none'", csp.get("base-uri"), policy);
        assertFalse(policy.contains("unsafe-inline") || policy.contains("unsafe-eval") || policy.contains("*"), policy);
        assertEquals("nosniff", response.header("X-Content-Type-Options"), path);
        assertEquals("no-referrer", response.header("Referrer-Policy"), path);
    }

    @Test
    void connectSrcIsThisGatewayAndExactlyTheObjectStoresOrigin() {
        Map<String, String> csp = directives(given().get("/index.html").header("Content-Security-Policy"));
        URI s3 = URI.create(stack.s3Endpoint());
        // S3Proxy, path-style: presigned URLs go to the endpoint itself.
        assertEquals(Arrays.asList("'self'", "http://" + s3.getHost() + ":" + s3.getPort()),
                Arrays.asList(csp.get("connect-src").split("\\s+")));
    }

    @Test
    void theOriginIsTakenFromARealPresignedUrl() {
        assertEquals("https://bucket.s3.eu-west-1.amazonaws.com",
                SecurityHeaders.originOf(URI.create("https://bucket.s3.eu-west-1.amazonaws.com/k?X-Amz-Signature=1")));
        assertEquals("http://127.0.0.1:9000", SecurityHeaders.originOf(URI.create("http://127.0.0.1:9000/b/k")));
        assertTrue(SecurityHeaders.pagePolicy("https://x.example").contains("connect-src 'self' https://x.example;"));
    }

    @Test
    void apiAnswersAreNosniffWithoutThePagePolicy() {
        Response ok = Gateway.as("headers").api().get("/api/v1/uploads");
        assertEquals(200, ok.statusCode());
        assertEquals("nosniff", ok.header("X-Content-Type-Options"));
        assertNull(ok.header("Content-Security-Policy"));

        Response problem = given().get("/api/v1/uploads");   // 401 problem+json
        assertEquals(401, problem.statusCode());
        assertEquals("nosniff", problem.header("X-Content-Type-Options"));
    }
}
