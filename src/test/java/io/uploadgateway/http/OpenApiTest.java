package io.uploadgateway.http;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /q/openapi describes every native route of API.md, with schemas and problem responses. */
@QuarkusTest
@WithTestResource(TestStack.class)
class OpenApiTest {

    /** OpenAPI is on the management interface (quarkus.management.enabled), not the API port. */
    @TestHTTPResource(value = "openapi", management = true)
    URL openApi;

    /** API.md's native API: path, method, success status, success schema (null: no body). */
    private static final List<List<String>> NATIVE_ROUTES = List.of(
            List.of("/api/v1/uploads", "post", "201", "UploadView"),
            List.of("/api/v1/uploads", "get", "200", "UploadPage"),
            List.of("/api/v1/uploads/{id}", "get", "200", "UploadView"),
            List.of("/api/v1/uploads/{id}/presign", "post", "200", "PresignResponse"),
            List.of("/api/v1/uploads/{id}/parts/{partNumber}", "put", "200", "PartView"),
            List.of("/api/v1/uploads/{id}/complete", "post", "200", "UploadView"),
            List.of("/api/v1/uploads/{id}", "delete", "204", ""),
            List.of("/api/v1/uploads/{id}/download", "get", "200", "DownloadResponse"));

    @Test
    void everyNativeRouteIsDocumentedWithSchemasAndProblems() {
        JsonPath doc = given().queryParam("format", "json").get(openApi)
                .then().statusCode(200).extract().jsonPath();

        for (List<String> route : NATIVE_ROUTES) {
            String path = route.get(0);
            String method = route.get(1);
            String where = method.toUpperCase() + " " + path;
            Map<String, Object> operation = doc.getMap("paths.'" + path + "'." + method);
            assertNotNull(operation, where + " is missing from /q/openapi");
            assertNotNull(operation.get("summary"), where + " has no summary");
            assertTrue(((List<?>) operation.get("tags")).contains("uploads"), where + " is not tagged");
            assertNotNull(operation.get("security"), where + " does not say it needs a bearer token");

            Map<String, Object> responses = doc.getMap("paths.'" + path + "'." + method + ".responses");
            assertNotNull(responses.get(route.get(2)), where + " does not document " + route.get(2));
            if (!route.get(3).isEmpty()) {
                String ref = doc.getString("paths.'" + path + "'." + method + ".responses.'" + route.get(2)
                        + "'.content.'application/json'.schema.'$ref'");
                assertEquals("#/components/schemas/" + route.get(3), ref, where + " success schema");
            }
            for (String problem : List.of("401", "404", "503")) {
                if (problem.equals("404") && path.equals("/api/v1/uploads")) {
                    continue;
                }
                String ref = doc.getString("paths.'" + path + "'." + method + ".responses.'" + problem
                        + "'.content.'application/problem+json'.schema.'$ref'");
                assertEquals("#/components/schemas/Problem", ref, where + " " + problem + " is not a problem+json");
            }
        }

        assertNotNull(doc.getMap("paths.'/api/v1/uploads'.post.requestBody"), "create documents its body");
        assertNotNull(doc.getMap("paths.'/api/v1/uploads/{id}/presign'.post.requestBody"), "presign documents its body");
        assertNotNull(doc.getMap("paths.'/api/v1/uploads/{id}/complete'.post.responses.'409'"), "parts_missing documented");

        Map<String, Object> upload = doc.getMap("components.schemas.UploadView.properties");
        for (String field : List.of("id", "state", "filename", "contentType", "size", "partSize", "partCount", "key",
                "createdAt", "updatedAt", "expiresAt", "bytesUploaded", "parts", "missingParts", "etag", "location")) {
            assertTrue(upload.containsKey(field), "UploadView." + field + " documented");
        }
        for (String[] admin : new String[][]{{"/api/v1/admin/uploads", "get"}, {"/api/v1/admin/uploads/{id}/abort", "post"},
                {"/api/v1/admin/stats", "get"}, {"/api/v1/admin/events", "get"}, {"/api/v1/admin/events/{id}/redeliver", "post"}}) {
            Map<String, Object> operation = doc.getMap("paths.'" + admin[0] + "'." + admin[1]);
            assertNotNull(operation, admin[1] + " " + admin[0] + " is missing from /q/openapi");
            assertTrue(((List<?>) operation.get("tags")).contains("admin"), admin[0] + " is not tagged admin");
            assertEquals("#/components/schemas/Problem", doc.getString("paths.'" + admin[0] + "'." + admin[1]
                    + ".responses.'403'.content.'application/problem+json'.schema.'$ref'"), admin[0] + " documents 403");
        }

        assertNotNull(doc.getMap("paths.'/api/v1/events'.get"), "the pull feed is documented");
        assertEquals("#/components/schemas/Problem", doc.getString("paths.'/api/v1/events'.get.responses.'403'.content."
                + "'application/problem+json'.schema.'$ref'"), "the feed documents 403");

        List<String> codes = doc.getList("components.schemas.Problem.properties.code.enum");
        assertTrue(codes.containsAll(List.of("invalid_request", "not_found", "upload_not_active", "parts_missing",
                "part_mismatch", "storage_unavailable", "database_unavailable", "unauthorized", "forbidden", "too_large")), codes.toString());
    }
}
