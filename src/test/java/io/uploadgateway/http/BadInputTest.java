package io.uploadgateway.http;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Bad input gets a clear 4xx problem+json, never a 500, and changes nothing. */
@QuarkusTest
@WithTestResource(TestStack.class)
class BadInputTest {

    private static final String LONG_NAME = "a".repeat(300) + ".bin";
    private static final String MIB5 = String.valueOf(5L * 1024 * 1024);

    static Stream<Arguments> badStarts() {
        return Stream.of(
                Arguments.of("size zero", "{\"filename\":\"a.bin\",\"size\":0}", 400, "invalid_request"),
                Arguments.of("negative size", "{\"filename\":\"a.bin\",\"size\":-5}", 400, "invalid_request"),
                Arguments.of("size missing", "{\"filename\":\"a.bin\"}", 400, "invalid_request"),
                Arguments.of("size beyond the S3 limit", "{\"filename\":\"a.bin\",\"size\":53687091200001}", 413, "too_large"),
                Arguments.of("size as a string", "{\"filename\":\"a.bin\",\"size\":\"100\"}", 400, "invalid_request"),
                Arguments.of("size as a fraction", "{\"filename\":\"a.bin\",\"size\":1.5}", 400, "invalid_request"),
                Arguments.of("size beyond int64", "{\"filename\":\"a.bin\",\"size\":99999999999999999999}", 400, "invalid_request"),
                Arguments.of("part size under 5 MiB", "{\"filename\":\"a.bin\",\"size\":100,\"partSize\":1048576}", 400, "invalid_request"),
                Arguments.of("part size over 5 GiB", "{\"filename\":\"a.bin\",\"size\":100,\"partSize\":5368709121}", 400, "invalid_request"),
                Arguments.of("part size needing > 10,000 parts",
                        "{\"filename\":\"a.bin\",\"size\":53687091200,\"partSize\":" + MIB5 + "}", 400, "invalid_request"),
                Arguments.of("filename missing", "{\"size\":100}", 400, "invalid_request"),
                Arguments.of("filename empty", "{\"filename\":\"\",\"size\":100}", 400, "invalid_request"),
                Arguments.of("filename with /", "{\"filename\":\"dir/a.bin\",\"size\":100}", 400, "invalid_request"),
                Arguments.of("filename with \\", "{\"filename\":\"dir\\\\a.bin\",\"size\":100}", 400, "invalid_request"),
                Arguments.of("filename ..", "{\"filename\":\"..\",\"size\":100}", 400, "invalid_request"),
                Arguments.of("filename with a control character", "{\"filename\":\"a\\u0007b.bin\",\"size\":100}", 400, "invalid_request"),
                Arguments.of("filename with a newline", "{\"filename\":\"a\\nb.bin\",\"size\":100}", 400, "invalid_request"),
                Arguments.of("filename of 300 bytes", "{\"filename\":\"" + LONG_NAME + "\",\"size\":100}", 400, "invalid_request"),
                Arguments.of("filename as a number", "{\"filename\":12,\"size\":100}", 400, "invalid_request"),
                Arguments.of("bad content type", "{\"filename\":\"a.bin\",\"size\":100,\"contentType\":\"not a type\"}", 400, "invalid_request"),
                Arguments.of("metadata not an object", "{\"filename\":\"a.bin\",\"size\":100,\"metadata\":[1]}", 400, "invalid_request"),
                Arguments.of("metadata with a non-ASCII value", "{\"filename\":\"a.bin\",\"size\":100,\"metadata\":{\"k\":\"é\"}}", 400, "invalid_request"),
                Arguments.of("metadata with a bad key", "{\"filename\":\"a.bin\",\"size\":100,\"metadata\":{\"a b\":\"v\"}}", 400, "invalid_request"),
                Arguments.of("malformed JSON", "{\"filename\":\"a.bin\",", 400, "invalid_request"),
                Arguments.of("JSON array", "[1,2]", 400, "invalid_request"),
                Arguments.of("trailing garbage", "{\"filename\":\"a.bin\",\"size\":1} x", 400, "invalid_request"),
                Arguments.of("empty body", "", 400, "invalid_request"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badStarts")
    void badStartIsRefused(String name, String body, int status, String code) {
        Gateway.as("fuzzer").api().body(body).post("/api/v1/uploads").then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("code", equalTo(code))
                .body("detail", not(emptyOrNullString()));
    }

    @Test
    void badStartsCreateNothing() {
        Gateway client = Gateway.as("fuzzer-" + System.nanoTime());
        badStarts().forEach(args -> client.api().body((String) args.get()[1]).post("/api/v1/uploads"));
        client.api().get("/api/v1/uploads").then().statusCode(200).body("items.size()", equalTo(0));
    }

    static Stream<Arguments> badPresigns() {
        return Stream.of(
                Arguments.of("no part numbers", "{\"partNumbers\":[]}"),
                Arguments.of("part numbers missing", "{}"),
                Arguments.of("part zero", "{\"partNumbers\":[0]}"),
                Arguments.of("part beyond the plan", "{\"partNumbers\":[3]}"),
                Arguments.of("part beyond 10,000", "{\"partNumbers\":[10001]}"),
                Arguments.of("part number as text", "{\"partNumbers\":[\"one\"]}"),
                Arguments.of("part number null", "{\"partNumbers\":[null]}"),
                Arguments.of("too many parts", "{\"partNumbers\":[" + "1,".repeat(1000) + "1]}"),
                Arguments.of("expiry zero", "{\"partNumbers\":[1],\"expiresInSeconds\":0}"),
                Arguments.of("expiry beyond 7 days", "{\"partNumbers\":[1],\"expiresInSeconds\":604801}"),
                Arguments.of("expiry as text", "{\"partNumbers\":[1],\"expiresInSeconds\":\"soon\"}"),
                Arguments.of("malformed JSON", "{\"partNumbers\":"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPresigns")
    void badPresignIsRefused(String name, String body) {
        Gateway client = Gateway.as("fuzzer");
        String id = client.start("two-parts.bin", 6L * 1024 * 1024, 5L * 1024 * 1024).getString("id");
        client.api().body(body).post("/api/v1/uploads/" + id + "/presign").then()
                .statusCode(400).contentType("application/problem+json").body("code", equalTo("invalid_request"));
    }

    @Test
    void badPartRecordsAreRefusedAndChangeNothing() {
        Gateway client = Gateway.as("fuzzer");
        String id = client.start("rec.bin", 100, null).getString("id");
        for (String body : List.of("{}", "{\"etag\":\"\"}", "{\"etag\":42}", "{\"etag\":\"has space\"}", "not json")) {
            client.api().body(body).put("/api/v1/uploads/" + id + "/parts/1").then().statusCode(400)
                    .contentType("application/problem+json").body("code", equalTo("invalid_request"));
        }
        for (String part : List.of("0", "2", "10001", "-1", "x", "1.5")) {
            client.api().body("{\"etag\":\"\\\"abc\\\"\"}").put("/api/v1/uploads/" + id + "/parts/" + part).then()
                    .statusCode(400).contentType("application/problem+json").body("code", equalTo("invalid_request"));
        }
        client.get(id).then().body("parts.size()", equalTo(0)).body("missingParts", equalTo(List.of(1)));
    }

    @Test
    void wrongContentTypeAndUnknownRoutesAreProblems() {
        Gateway client = Gateway.as("fuzzer");
        client.api().contentType(ContentType.TEXT).body("filename=a").post("/api/v1/uploads").then()
                .statusCode(415).contentType("application/problem+json");
        client.api().get("/api/v1/uploads/not-a-uuid").then().statusCode(404).contentType("application/problem+json")
                .body("code", equalTo("not_found"));
        client.api().get("/api/v1/nothing-here").then().statusCode(404).contentType("application/problem+json");
        client.api().patch("/api/v1/uploads").then().statusCode(405).contentType("application/problem+json");
        client.api().queryParam("sync", "maybe").get("/api/v1/uploads/" + java.util.UUID.randomUUID()).then()
                .statusCode(400).body("code", equalTo("invalid_request"));
        client.api().queryParam("disposition", "evil").get("/api/v1/uploads/" + java.util.UUID.randomUUID() + "/download")
                .then().statusCode(400).body("code", equalTo("invalid_request"));
    }

    static Stream<Arguments> badTokens() {
        return Stream.of(
                Arguments.of("no token", null),
                Arguments.of("expired token", Tokens.expired("alice")),
                Arguments.of("token from another issuer", Tokens.fromOtherIssuer("alice")),
                Arguments.of("garbage token", "not.a.jwt"),
                Arguments.of("tampered token", Tokens.forUser("alice") + "x"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void missingOrInvalidTokenIs401(String name, String token) {
        var request = given().contentType(ContentType.JSON).body("{\"filename\":\"a.bin\",\"size\":1}");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        var response = request.post("/api/v1/uploads");
        assertEquals(401, response.statusCode(), response.asString());
        assertEquals("application/problem+json", response.contentType());
        assertEquals("unauthorized", response.path("code"));
        assertEquals("Bearer", response.header("WWW-Authenticate"));
    }
}
