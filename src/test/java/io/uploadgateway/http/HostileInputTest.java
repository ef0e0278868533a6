package io.uploadgateway.http;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile values on every route: tampered cursors, absurd durations and numbers, identities the
 * ledger cannot hold, bodies that strain the parser. Each is a 4xx problem+json with its catalogue
 * code, never a 500 (several of these were 500s: a PostgreSQL overflow, an {@code Instant}
 * overflow, a {@code varchar(255)} overflow, a NUL byte PostgreSQL refuses).
 */
@QuarkusTest
@WithTestResource(TestStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {

    private static final String UUID_TEXT = "6f1c0c3e-2d7b-4f3a-9c1e-0a2b3c4d5e6f";

    private final Gateway user = Gateway.as("hostile-" + UUID.randomUUID());
    private final Gateway admin = Gateway.withToken(Tokens.forAdmin("hostile-ops"));
    private String uploadId;

    /** The upload the hostile calls aim at (created on first use: RestAssured knows the port only inside a test). */
    private String target() {
        if (uploadId == null) {
            uploadId = user.start("target.bin", 100, null).getString("id");
        }
        return uploadId;
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A case: what it is, the call, the status and code the gateway must answer. */
    record Case(String name, Function<HostileInputTest, Response> call, int status, String code) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case get(String name, String pathAndQuery, int status, String code) {
        return new Case(name, t -> t.raw(t.user.api()).get(pathAndQuery), status, code);
    }

    private static Case adminGet(String name, String pathAndQuery, int status, String code) {
        return new Case(name, t -> t.raw(t.admin.api()).get(pathAndQuery), status, code);
    }

    /** Sends the path and query exactly as written (already percent-encoded where needed). */
    private RequestSpecification raw(RequestSpecification spec) {
        return spec.urlEncodingEnabled(false);
    }

    static Stream<Case> cases() {
        String farFuture = b64("+999999999-12-31T23:59:59.999999999Z|" + UUID_TEXT);
        String farPast = b64("-999999999-01-01T00:00:00Z|" + UUID_TEXT);
        String year10000 = b64("+10000-01-01T00:00:00Z|" + UUID_TEXT);
        String garbageUuid = b64("2026-01-01T00:00:00Z|1-2-3-4-5");
        String overflowingUuid = b64("2026-01-01T00:00:00Z|fffffffff-ffff-ffff-ffff-ffffffffffff");
        String trailing = b64("2026-01-01T00:00:00Z|" + UUID_TEXT + "|more");
        String noBar = b64("2026-01-01T00:00:00Z");
        return Stream.of(
                // --- cursors of the owner's listing
                get("cursor with a time in year 999999999", "/api/v1/uploads?cursor=" + farFuture, 400, "invalid_request"),
                get("cursor with a time in year -999999999", "/api/v1/uploads?cursor=" + farPast, 400, "invalid_request"),
                get("cursor with a time in year 10000", "/api/v1/uploads?cursor=" + year10000, 400, "invalid_request"),
                get("cursor with a lenient non-canonical UUID", "/api/v1/uploads?cursor=" + garbageUuid, 400, "invalid_request"),
                get("cursor with an overflowing UUID", "/api/v1/uploads?cursor=" + overflowingUuid, 400, "invalid_request"),
                get("cursor with trailing fields", "/api/v1/uploads?cursor=" + trailing, 400, "invalid_request"),
                get("cursor without an id", "/api/v1/uploads?cursor=" + noBar, 400, "invalid_request"),
                get("cursor that is not base64", "/api/v1/uploads?cursor=%21%21%21", 400, "invalid_request"),
                get("cursor of 3,000 characters", "/api/v1/uploads?cursor=" + "A".repeat(3000), 400, "invalid_request"),
                // --- numbers and words in the owner's listing
                get("limit beyond int64", "/api/v1/uploads?limit=99999999999999999999", 400, "invalid_request"),
                get("limit beyond int32", "/api/v1/uploads?limit=2147483648", 400, "invalid_request"),
                get("negative limit", "/api/v1/uploads?limit=-1", 400, "invalid_request"),
                get("state with a NUL", "/api/v1/uploads?state=%00", 400, "invalid_request"),
                // --- the operators' listing
                adminGet("idleLongerThan of 9999999999999 hours", "/api/v1/admin/uploads?idleLongerThan=PT9999999999999H", 400, "invalid_request"),
                adminGet("idleLongerThan of 999999999 days", "/api/v1/admin/uploads?idleLongerThan=P999999999D", 400, "invalid_request"),
                adminGet("idleLongerThan beyond a long", "/api/v1/admin/uploads?idleLongerThan=PT99999999999999999999H", 400, "invalid_request"),
                adminGet("stalled with idleLongerThan of 9999999999999 hours",
                        "/api/v1/admin/uploads?stalled=true&idleLongerThan=PT9999999999999H", 400, "invalid_request"),
                adminGet("admin cursor with a time in year 999999999", "/api/v1/admin/uploads?cursor=" + farFuture, 400, "invalid_request"),
                adminGet("admin cursor with a lenient UUID", "/api/v1/admin/uploads?cursor=" + garbageUuid, 400, "invalid_request"),
                adminGet("owner filter with a NUL", "/api/v1/admin/uploads?owner=a%00b", 400, "invalid_request"),
                adminGet("owner filter of 300 characters", "/api/v1/admin/uploads?owner=" + "o".repeat(300), 400, "invalid_request"),
                adminGet("admin limit beyond int64", "/api/v1/admin/uploads?limit=99999999999999999999", 400, "invalid_request"),
                // --- the dev token route (dev and test builds only)
                new Case("dev token with a non-numeric ttlSeconds", t -> RestAssured.given().get("/dev/token?user=a&ttlSeconds=abc"),
                        400, "invalid_request"),
                new Case("dev token with ttlSeconds beyond int64", t -> RestAssured.given()
                        .get("/dev/token?user=a&ttlSeconds=99999999999999999999"), 400, "invalid_request"),
                new Case("dev token with admin=maybe", t -> RestAssured.given().get("/dev/token?user=a&admin=maybe"),
                        400, "invalid_request"),
                // --- path and query numbers on one upload
                new Case("part number beyond int64", t -> t.user.api().body("{\"etag\":\"\\\"abc\\\"\"}")
                        .put("/api/v1/uploads/" + t.target() + "/parts/99999999999999999999"), 400, "invalid_request"),
                new Case("part number beyond int32", t -> t.user.api().body("{\"etag\":\"\\\"abc\\\"\"}")
                        .put("/api/v1/uploads/" + t.target() + "/parts/2147483648"), 400, "invalid_request"),
                new Case("download expiry beyond int64", t -> t.raw(t.user.api())
                        .get("/api/v1/uploads/" + t.target() + "/download?expiresInSeconds=99999999999999999999"), 400, "invalid_request"),
                // --- bodies
                new Case("presign expiry of Long.MAX_VALUE", t -> t.user.api()
                        .body("{\"partNumbers\":[1],\"expiresInSeconds\":9223372036854775807}")
                        .post("/api/v1/uploads/" + t.target() + "/presign"), 400, "invalid_request"),
                new Case("presign part number beyond int32", t -> t.user.api().body("{\"partNumbers\":[2147483648]}")
                        .post("/api/v1/uploads/" + t.target() + "/presign"), 400, "invalid_request"),
                new Case("part size of Long.MAX_VALUE", t -> t.user.api()
                        .body("{\"filename\":\"a.bin\",\"size\":100,\"partSize\":9223372036854775807}")
                        .post("/api/v1/uploads"), 400, "invalid_request"),
                new Case("part size of Long.MIN_VALUE", t -> t.user.api()
                        .body("{\"filename\":\"a.bin\",\"size\":100,\"partSize\":-9223372036854775808}")
                        .post("/api/v1/uploads"), 400, "invalid_request"),
                new Case("size of Long.MAX_VALUE", t -> t.user.api()
                        .body("{\"filename\":\"a.bin\",\"size\":9223372036854775807}")
                        .post("/api/v1/uploads"), 413, "too_large"),
                new Case("a number of 5,000 digits", t -> t.user.api()
                        .body("{\"filename\":\"a.bin\",\"size\":" + "9".repeat(5000) + "}")
                        .post("/api/v1/uploads"), 400, "invalid_request"),
                new Case("JSON nested 5,000 deep", t -> t.user.api()
                        .body("{\"filename\":\"a.bin\",\"size\":1,\"metadata\":" + "[".repeat(5000) + "]".repeat(5000) + "}")
                        .post("/api/v1/uploads"), 400, "invalid_request"),
                new Case("metadata with 2,000 keys", t -> t.user.api()
                        .body("{\"filename\":\"a.bin\",\"size\":1,\"metadata\":{" + manyKeys(2000) + "}}")
                        .post("/api/v1/uploads"), 400, "invalid_request"),
                // --- identities the ledger cannot hold
                new Case("a token whose sub is 256 characters", t -> Gateway.withToken(Tokens.forUser("s".repeat(256))).api()
                        .body("{\"filename\":\"a.bin\",\"size\":1}").post("/api/v1/uploads"), 401, "unauthorized"),
                new Case("a token whose sub has a NUL", t -> Gateway.withToken(Tokens.forUser("nul\u0000sub")).api()
                        .body("{\"filename\":\"a.bin\",\"size\":1}").post("/api/v1/uploads"), 401, "unauthorized"),
                new Case("a token whose sub has a NUL, listing", t -> Gateway.withToken(Tokens.forUser("nul\u0000sub")).api()
                        .get("/api/v1/uploads"), 401, "unauthorized"),
                new Case("a token whose sub is blank", t -> Gateway.withToken(Tokens.forUser("   ")).api()
                        .get("/api/v1/uploads"), 401, "unauthorized"));
    }

    private static String manyKeys(int n) {
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < n; i++) {
            keys.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
        }
        return keys.toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostileValueIsAClearProblem(Case hostile) {
        Response response = hostile.call().apply(this);
        String seen = response.statusCode() + " " + response.contentType() + " " + response.asString();
        assertEquals(hostile.status(), response.statusCode(), seen);
        assertTrue(response.contentType().startsWith("application/problem+json"), seen);
        assertEquals(hostile.code(), response.path("code"), seen);
        assertEquals(hostile.status(), (Integer) response.path("status"), seen);
    }

    @Test
    void noHostileValueChangedTheLedger() {
        cases().forEach(hostile -> hostile.call().apply(this));
        user.get(target()).then().statusCode(200).body("state", equalTo("UPLOADING")).body("parts.size()", equalTo(0));
        assertEquals(List.of(target()), user.api().get("/api/v1/uploads").then().statusCode(200).extract().path("items.id"));
    }

    @Test
    void everyCursorTheGatewayIssuesIsAccepted() {
        Gateway owner = Gateway.as("cursor-" + UUID.randomUUID());
        for (int i = 0; i < 3; i++) {
            owner.start("c" + i + ".bin", 10, null);
        }
        String cursor = owner.api().queryParam("limit", 1).get("/api/v1/uploads").then().statusCode(200)
                .extract().path("nextCursor");
        owner.api().queryParam("limit", 1).queryParam("cursor", cursor).get("/api/v1/uploads").then().statusCode(200)
                .body("items.size()", equalTo(1));
        // A position the client could have been given (now, a real id) is a valid cursor too: cursors are positions, not secrets.
        String handMade = b64(Instant.now() + "|" + UUID.randomUUID());
        owner.api().queryParam("cursor", handMade).get("/api/v1/uploads").then().statusCode(200);
    }
    // ------------------------------------------------------------------ what no HTTP client library sends

    /** Raw requests, byte for byte: broken percent escapes that URI classes refuse to build. */
    static Stream<Arguments> brokenEscapes() {
        return Stream.of(
                Arguments.of("/api/v1/uploads?state=%E0%A4%A"),
                Arguments.of("/api/v1/uploads?cursor=%zz"),
                Arguments.of("/api/v1/uploads?limit=%"),
                Arguments.of("/api/v1/uploads/%zz"));
    }

    /**
     * Vert.x's HTTP server refuses these before any route or filter runs, with an empty 400: a
     * client error, never a 500, but no problem+json either (no hook reaches that answer).
     */
    @ParameterizedTest(name = "GET {0}")
    @MethodSource("brokenEscapes")
    void brokenPercentEscapesAre400(String target) throws Exception {
        RawResponse response = rawGet(target, "Host: localhost", Tokens.forUser("raw-" + UUID.randomUUID()));
        assertEquals(400, response.status(), response.toString());
    }

    @Test
    void anOverlongUtf8EscapeIsJustAnUnknownUpload() throws Exception {
        RawResponse response = rawGet("/api/v1/uploads/%C0%AF", "Host: localhost", Tokens.forUser("raw-" + UUID.randomUUID()));
        assertEquals(404, response.status(), response.toString());
        assertTrue(response.contentType().startsWith("application/problem+json"), response.toString());
    }

    @Test
    void aRequestWithoutHostIsA400Problem() throws Exception {
        RawResponse response = rawGet("/api/v1/uploads", null, Tokens.forUser("raw-" + UUID.randomUUID()));
        assertEquals(400, response.status(), response.toString());
        assertTrue(response.contentType().startsWith("application/problem+json"), response.toString());
        assertTrue(response.body().contains("\"code\":\"invalid_request\""), response.toString());
    }

    record RawResponse(int status, String contentType, String body) {
    }

    private static RawResponse rawGet(String target, String hostHeader, String token) throws Exception {
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\n" + (hostHeader == null ? "" : hostHeader + "\r\n")
                    + "Accept: application/json\r\n"
                    + "Authorization: Bearer " + token + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(answer.substring(9, 12));
            String head = answer.contains("\r\n\r\n") ? answer.substring(0, answer.indexOf("\r\n\r\n")) : answer;
            String type = head.lines().filter(l -> l.toLowerCase().startsWith("content-type:"))
                    .map(l -> l.substring(13).strip()).findFirst().orElse("");
            return new RawResponse(status, type, answer.substring(Math.min(answer.length(), head.length() + 4)));
        }
    }

    // ------------------------------------------------------------------ bodies: size and shape

    /** A create body padded with JSON whitespace to {@code bytes} bytes. */
    private static byte[] paddedCreate(int bytes) {
        String json = "{\"filename\":\"padded.bin\",\"size\":10}";
        return (json.substring(0, json.length() - 1) + " ".repeat(bytes - json.length()) + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aBodyOverTheLimitIsA413ProblemAndCreatesNothing() {
        Gateway owner = Gateway.as("big-" + UUID.randomUUID());
        // 300 KB with a Content-Length: refused before it is read.
        owner.api().body(paddedCreate(300 * 1024)).post("/api/v1/uploads").then()
                .statusCode(413).contentType("application/problem+json")
                .body("code", equalTo("body_too_large")).body("status", equalTo(413));
        owner.api().get("/api/v1/uploads").then().statusCode(200).body("items.size()", equalTo(0));
    }

    @Test
    void aHugeDeclaredBodyIsRefusedBeforeItIsSent() throws Exception {
        // 11 MB declared (past Quarkus's own default limit too): the answer comes before a byte of the body.
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /api/v1/uploads HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + Tokens.forUser("huge-" + UUID.randomUUID()) + "\r\n"
                    + "Content-Length: " + (11 * 1024 * 1024) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            assertTrue(answer.toLowerCase().contains("content-type: application/problem+json"), answer);
            assertTrue(answer.contains("\"code\":\"body_too_large\""), answer);
        }
    }

    @Test
    void aChunkedBodyOverTheLimitIsA413ProblemToo() throws Exception {
        byte[] body = paddedCreate(400 * 1024);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/api/v1/uploads"))
                .header("Authorization", "Bearer " + Tokens.forUser("chunked-" + UUID.randomUUID()))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                // No length known in advance: HTTP/1.1 chunked transfer encoding.
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(413, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(""));
        assertTrue(response.body().contains("\"code\":\"body_too_large\""), response.body());
    }

    @Test
    void anHttp2BodyOfUnknownLengthOverTheLimitIsA413ProblemToo() throws Exception {
        // HTTP/2 has no chunked framing: a body without content-length is just DATA frames.
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        String token = "Bearer " + Tokens.forUser("h2-" + UUID.randomUUID());
        URI uploads = URI.create("http://localhost:" + RestAssured.port + "/api/v1/uploads");
        // The first request upgrades the connection (h2c); the next ones are HTTP/2 frames.
        HttpResponse<String> upgraded = h2.send(HttpRequest.newBuilder(uploads).header("Authorization", token).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, upgraded.statusCode(), upgraded.body());
        byte[] body = paddedCreate(600 * 1024);
        HttpResponse<String> response = h2.send(HttpRequest.newBuilder(uploads).header("Authorization", token)
                        .header("Content-Type", "application/json").header("Accept", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(HttpClient.Version.HTTP_2, response.version(), "the case under test is HTTP/2");
        assertEquals(413, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(""));
        assertTrue(response.body().contains("\"code\":\"body_too_large\""), response.body());
    }

    @Test
    void aChunkedBodyWithinTheLimitIsRead() throws Exception {
        byte[] body = paddedCreate(100 * 1024);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/api/v1/uploads"))
                .header("Authorization", "Bearer " + Tokens.forUser("chunked-ok-" + UUID.randomUUID()))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(201, response.statusCode(), response.body());
    }

    @Test
    void bodiesUpToTheLimitAreRead() {
        // A presign call for 1,000 parts with a checksum each is ~120 KB; 200 KB passes.
        Response created = Gateway.as("roomy-" + UUID.randomUUID()).api().body(paddedCreate(200 * 1024)).post("/api/v1/uploads");
        assertEquals(201, created.statusCode(), created.asString());
    }

    @Test
    void unknownFieldsAreRefusedByName() {
        user.api().body("{\"filename\":\"a.bin\",\"size\":10,\"fileSize\":10}").post("/api/v1/uploads").then()
                .statusCode(400).contentType("application/problem+json").body("code", equalTo("invalid_request"))
                .body("detail", containsString("'fileSize'")).body("detail", containsString("filename"))
                .body("detail", not(containsString("io.uploadgateway")));
        user.api().body("{\"partNumbers\":[1],\"expiry\":60}").post("/api/v1/uploads/" + target() + "/presign").then()
                .statusCode(400).body("code", equalTo("invalid_request")).body("detail", containsString("'expiry'"));
        user.api().body("{\"etag\":\"\\\"abc\\\"\",\"size\":5}").put("/api/v1/uploads/" + target() + "/parts/1").then()
                .statusCode(400).body("code", equalTo("invalid_request")).body("detail", containsString("'size'"));
        // Nothing of it was taken: no upload, no part.
        user.get(target()).then().statusCode(200).body("parts.size()", equalTo(0));
    }
}
