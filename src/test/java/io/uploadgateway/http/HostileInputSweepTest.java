package io.uploadgateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A hostile-input sweep of every route (the native API, Uppy's {@code /s3} routes and the session
 * cookie, the operators' API, the event feed, the dev token route): each route crossed with each
 * family of hostile input, generated from one table of routes below rather than written case by
 * case. {@link HostileInputTest} keeps the hand-picked values that once were 500s (cursors,
 * durations, identities the ledger cannot hold, body size limits); this sweep covers the rest
 * systematically:
 * <ul>
 *   <li><b>malformed JSON</b>: truncated, empty, {@code null}, arrays or scalars instead of the
 *       object, duplicate keys, trailing data, comments, invalid UTF-8…, on every route with a body;</li>
 *   <li><b>content types</b>: anything but JSON on the routes that take a body;</li>
 *   <li><b>wrong types</b> and {@code null} in every field of every body;</li>
 *   <li><b>huge numbers</b> (beyond int32 and int64, {@code 1e400}, fractions, exponents, zero,
 *       negatives) in every numeric field, path segment and query parameter;</li>
 *   <li><b>unicode</b> (an emoji, a right-to-left override, a combining accent, a lone surrogate,
 *       NUL, very long text) in every string field, path segment and query parameter;</li>
 *   <li><b>headers</b>: overlong headers and request lines, huge tokens, a thousand headers;</li>
 *   <li><b>wrong methods</b> on every path: {@code 405 method_not_allowed};</li>
 *   <li><b>path tricks</b>: {@code %2e%2e}, {@code ..}, encoded slashes and backslashes, double
 *       encoding, trailing and doubled slashes, matrix parameters, ids that are not UUIDs, ids of
 *       another owner's upload; on the operators' routes with a user's token, no spelling of the
 *       path gets past the role check;</li>
 *   <li><b>query tricks</b>: repeated parameters, empty values, names without values…;</li>
 *   <li><b>auth</b>: no token, another scheme, an empty bearer (401); a user's token on the
 *       operators' and the feed's routes (403);</li>
 *   <li><b>cookie</b>: the {@code /s3} cookie from another site, with a bad or huge value.</li>
 * </ul>
 * About 2,400 cases: 31 routes crossed with these families. Every answer is below 500. A 4xx is
 * {@code application/problem+json} whose {@code code} is in the catalogue ({@link ErrorCode}) and
 * whose {@code status} is the answer's; where the right status is obvious (405, 404 for ids, 400
 * for malformed JSON and numbers, 401, 403, 415) it is asserted exactly. Requests go out byte for
 * byte over a socket, so no client library normalises a path or refuses a header. After the sweep
 * no upload it did not create has changed ({@link #theSweepChangedNoUploadItDidNotCreate}): the
 * sweep's own successes (creates, quota overrides) land on identities of their own, and where a
 * route's valid request would change a watched upload, only requests that must fail are sent.
 *
 * <p><b>431 and 414 without a problem body.</b> A header section over
 * {@code quarkus.http.limits.max-header-size} (20 KB) or a request line over
 * {@code max-initial-line-length} (4 KB) fails Netty's HTTP decoder. Vert.x then hands the request
 * to the server's {@code invalidRequestHandler} instead of its request handler, so no router,
 * filter, route or exception mapper of the gateway ever sees it (Quarkus installs no such handler);
 * Vert.x answers an empty {@code 431} or {@code 414} with {@code Connection: close}. That answer
 * comes before the application and says precisely what is wrong, so the sweep accepts it (and
 * asserts exactly that status) without a problem body. Just under the limit, the gateway answers
 * (a 16 KB garbage token is a {@code 401} problem).
 *
 * <p><b>Taken as it is</b> (no 5xx, nothing lost; noted here, not changed): query parameter names
 * match case-insensitively (Vert.x: {@code KEY=} is {@code key=}); an empty {@code Idempotency-Key}
 * is no key; a body without a Content-Type, with an unknown charset or a Content-Encoding the
 * gateway does not decode is read as UTF-8 JSON; a percent-encoded lone surrogate in a path
 * decodes to U+FFFD; without webhooks, redelivering any well-formed event id is
 * {@code 409 webhooks_off} before the event is looked up.
 *
 * <p><b>Bugs this sweep found</b> (each case stays in the sweep):
 * <ul>
 *   <li>NUL in an owner: {@code GET|PUT|DELETE /api/v1/admin/quotas/a%00b} and
 *       {@code GET /api/v1/admin/usage?after=a%00b} reached PostgreSQL, which refuses NUL in text:
 *       {@code 500 internal_error}. Owners in the operators' quota routes are now checked like the
 *       owner filter of {@code /api/v1/admin/uploads} ({@code RequestParams.text}): {@code 400}.</li>
 * </ul>
 */
@QuarkusTest
@WithTestResource(TestStack.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputSweepTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    // =================================================================== who calls

    enum Who {
        /** Owns the target uploads. */
        USER,
        /** Owns the foreign uploads. */
        OTHER,
        /** Starts uploads: hostile creates that succeed land here, never among the targets. */
        CREATOR,
        ADMIN,
        /** The pull feed's service group. */
        FEED,
        NOBODY
    }

    // =================================================================== the routes

    /**
     * What a value is, which decides the hostile values it gets and what the gateway must answer
     * ({@code ID}: an upload's or an event's id; {@code S3_KEY}: Uppy's {@code key}; {@code OWNER}: a token's sub).
     */
    enum Kind { INT32, INT64, STRING, BOOL, ARRAY, OBJECT, METADATA_KEY, ID, S3_KEY, OWNER }

    /** A path segment ({@code {name}} in the route's path) or a query parameter; {@code value} null: absent by default. */
    record Param(String name, boolean inPath, Kind kind, String value) {
    }

    /** A place in a body: {@code template} is the body with {@value #HOLE} where the value goes. */
    record Slot(String name, Kind kind, String template, boolean strict) {
        String with(String json) {
            return template.replace(HOLE, json);
        }
    }

    static final String HOLE = "§";

    /**
     * A route and the valid request the families start from. Placeholders ({@code @@target@@}…) are
     * the fixture's values, filled in when sent. A route that is not {@link #harmless} is only ever
     * sent requests that must fail (its valid request may change an upload the sweep watches).
     */
    static final class Route {
        final String name;
        final String method;
        final String path;
        final Who who;
        final List<Param> params = new ArrayList<>();
        final List<Slot> slots = new ArrayList<>();
        final Set<String> alsoAnswers = new HashSet<>();
        String body;
        /** Its valid request changes no upload the sweep watches (reads, creates of the creator, the quota owner). */
        boolean harmless;
        /** For the query tricks: the parameter, a value the route takes and one it refuses. */
        String trickParam;
        String goodValue;
        String badValue;

        Route(String name, String method, String path, Who who) {
            this.name = name;
            this.method = method;
            this.path = path;
            this.who = who;
        }

        Route segment(String name, Kind kind, String value) {
            params.add(new Param(name, true, kind, value));
            return this;
        }

        Route query(String name, Kind kind, String value) {
            params.add(new Param(name, false, kind, value));
            return this;
        }

        Route body(String json) {
            body = json;
            return this;
        }

        Route slot(String name, Kind kind, String template) {
            slots.add(new Slot(name, kind, template, true));
            return this;
        }

        /** A slot read as a loose JsonNode (Uppy's bodies): text where a number goes may be fine. */
        Route looseSlot(String name, Kind kind, String template) {
            slots.add(new Slot(name, kind, template, false));
            return this;
        }

        Route harmless() {
            harmless = true;
            return this;
        }

        Route also(String... methods) {
            alsoAnswers.addAll(List.of(methods));
            return this;
        }

        Route tricks(String param, String good, String bad) {
            trickParam = param;
            goodValue = good;
            badValue = bad;
            return this;
        }

        boolean authenticated() {
            return who != Who.NOBODY;
        }

        boolean s3() {
            return path.startsWith("/s3");
        }

        /** The route's valid request line target, with {@code overrides} (null value: left out). */
        String target(Map<String, String> overrides) {
            String p = path;
            List<String> query = new ArrayList<>();
            for (Param param : params) {
                String value = overrides.containsKey(param.name()) ? overrides.get(param.name()) : param.value();
                if (param.inPath()) {
                    p = p.replace("{" + param.name() + "}", value);
                } else if (value != null) {
                    query.add(param.name() + "=" + value);
                }
            }
            return query.isEmpty() ? p : p + "?" + String.join("&", query);
        }

        String target() {
            return target(Map.of());
        }

        /** The valid target with its query replaced by {@code rawQuery} for {@link #trickParam}. */
        String targetWithTrick(String rawQuery) {
            Map<String, String> without = new LinkedHashMap<>();
            without.put(trickParam, null);
            String base = target(without);
            if (rawQuery.isEmpty()) {
                return base;
            }
            return base + (base.contains("?") ? "&" : "?") + rawQuery;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final String ETAG = "\\\"0123456789abcdef0123456789abcdef\\\"";

    static final List<Route> ROUTES = List.of(
            // ------------------------------------------------------------- the native API
            new Route("create upload", "POST", "/api/v1/uploads", Who.CREATOR).harmless().also("GET")
                    .body("{\"filename\":\"sweep.bin\",\"size\":100}")
                    .slot("filename", Kind.STRING, "{\"filename\":§,\"size\":100}")
                    .slot("size", Kind.INT64, "{\"filename\":\"sweep.bin\",\"size\":§}")
                    .slot("partSize", Kind.INT64, "{\"filename\":\"sweep.bin\",\"size\":100,\"partSize\":§}")
                    .slot("contentType", Kind.STRING, "{\"filename\":\"sweep.bin\",\"size\":100,\"contentType\":§}")
                    .slot("metadata", Kind.OBJECT, "{\"filename\":\"sweep.bin\",\"size\":100,\"metadata\":§}")
                    .slot("metadata value", Kind.STRING, "{\"filename\":\"sweep.bin\",\"size\":100,\"metadata\":{\"k\":§}}")
                    .slot("metadata key", Kind.METADATA_KEY, "{\"filename\":\"sweep.bin\",\"size\":100,\"metadata\":{§:\"v\"}}")
                    .slot("autoComplete", Kind.BOOL, "{\"filename\":\"sweep.bin\",\"size\":100,\"autoComplete\":§}")
                    .slot("checksumAlgorithm", Kind.STRING, "{\"filename\":\"sweep.bin\",\"size\":100,\"checksumAlgorithm\":§}"),
            new Route("list uploads", "GET", "/api/v1/uploads", Who.USER).harmless().also("POST")
                    .query("state", Kind.STRING, null).query("limit", Kind.INT32, "10").query("cursor", Kind.STRING, null)
                    .tricks("limit", "10", "x"),
            new Route("get upload", "GET", "/api/v1/uploads/{id}", Who.USER).harmless().also("DELETE")
                    .segment("id", Kind.ID, "@@target@@").query("sync", Kind.STRING, null)
                    .tricks("sync", "false", "maybe"),
            new Route("abort upload", "DELETE", "/api/v1/uploads/{id}", Who.USER).also("GET")
                    .segment("id", Kind.ID, "@@foreign@@"),
            new Route("presign parts", "POST", "/api/v1/uploads/{id}/presign", Who.USER).harmless()
                    .segment("id", Kind.ID, "@@target@@")
                    .body("{\"partNumbers\":[1]}")
                    .slot("partNumbers", Kind.ARRAY, "{\"partNumbers\":§}")
                    .slot("partNumbers[0]", Kind.INT32, "{\"partNumbers\":[§]}")
                    .slot("parts", Kind.ARRAY, "{\"parts\":§}")
                    .slot("parts[0]", Kind.OBJECT, "{\"parts\":[§]}")
                    .slot("parts[0].partNumber", Kind.INT32, "{\"parts\":[{\"partNumber\":§}]}")
                    .slot("parts[0].contentMd5", Kind.STRING, "{\"parts\":[{\"partNumber\":1,\"contentMd5\":§}]}")
                    .slot("parts[0].checksum", Kind.STRING, "{\"parts\":[{\"partNumber\":1,\"checksum\":§}]}")
                    .slot("expiresInSeconds", Kind.INT64, "{\"partNumbers\":[1],\"expiresInSeconds\":§}"),
            new Route("record part", "PUT", "/api/v1/uploads/{id}/parts/{partNumber}", Who.USER)
                    .segment("id", Kind.ID, "@@target@@").segment("partNumber", Kind.INT32, "1")
                    .body("{\"etag\":\"" + ETAG + "\"}")
                    .slot("etag", Kind.STRING, "{\"etag\":§}"),
            new Route("complete upload", "POST", "/api/v1/uploads/{id}/complete", Who.USER)
                    .segment("id", Kind.ID, "@@foreign@@"),
            new Route("download", "GET", "/api/v1/uploads/{id}/download", Who.USER).harmless()
                    .segment("id", Kind.ID, "@@target@@")
                    .query("expiresInSeconds", Kind.INT32, null).query("disposition", Kind.STRING, null)
                    .tricks("disposition", "attachment", "evil"),
            new Route("lease parts", "POST", "/api/v1/uploads/{id}/lease", Who.USER).harmless()
                    .segment("id", Kind.ID, "@@target@@")
                    .body("{\"partNumbers\":[1]}")
                    .slot("expiresInSeconds", Kind.INT64, "{\"expiresInSeconds\":§}")
                    .slot("partNumbers", Kind.ARRAY, "{\"partNumbers\":§}")
                    .slot("partNumbers[0]", Kind.INT32, "{\"partNumbers\":[§]}")
                    .slot("parts[0].contentMd5", Kind.STRING, "{\"parts\":[{\"partNumber\":1,\"contentMd5\":§}]}")
                    .slot("sync", Kind.BOOL, "{\"sync\":§}")
                    .slot("cursor", Kind.STRING, "{\"cursor\":§}"),
            new Route("nudge", "POST", "/api/v1/uploads/{id}/nudge", Who.USER).harmless()
                    .segment("id", Kind.ID, "@@target@@"),
            // ------------------------------------------------------------- Uppy Companion's /s3 routes
            new Route("s3 create", "POST", "/s3/multipart", Who.CREATOR).harmless()
                    .body("{\"filename\":\"sweep.bin\",\"type\":\"application/octet-stream\"}")
                    .slot("filename", Kind.STRING, "{\"filename\":§,\"type\":\"application/octet-stream\"}")
                    .slot("type", Kind.STRING, "{\"filename\":\"sweep.bin\",\"type\":§}")
                    .slot("metadata", Kind.OBJECT, "{\"filename\":\"sweep.bin\",\"metadata\":§}")
                    .looseSlot("metadata value", Kind.STRING, "{\"filename\":\"sweep.bin\",\"metadata\":{\"k\":§}}")
                    .slot("metadata key", Kind.METADATA_KEY, "{\"filename\":\"sweep.bin\",\"metadata\":{§:\"v\"}}")
                    .looseSlot("metadata.size", Kind.INT64, "{\"filename\":\"sweep.bin\",\"metadata\":{\"size\":§}}")
                    .looseSlot("metadata.partSize", Kind.INT64, "{\"filename\":\"sweep.bin\",\"metadata\":{\"size\":100,\"partSize\":§}}"),
            new Route("s3 params", "GET", "/s3/params", Who.CREATOR).harmless()
                    .query("filename", Kind.STRING, "sweep.bin").query("type", Kind.STRING, "application%2Foctet-stream")
                    .query("metadata%5Bk%5D", Kind.STRING, null).query("metadata%5Bsize%5D", Kind.INT64, null)
                    .tricks("type", "application%2Foctet-stream", "not%20a%20type"),
            new Route("s3 sign batch", "GET", "/s3/multipart/{id}/batch", Who.USER)
                    .segment("id", Kind.ID, "@@s3target@@")
                    .query("key", Kind.S3_KEY, "@@s3key@@").query("partNumbers", Kind.INT32, "1")
                    .tricks("partNumbers", "1", "x"),
            new Route("s3 sign part", "GET", "/s3/multipart/{id}/{partNumber}", Who.USER)
                    .segment("id", Kind.ID, "@@s3target@@").segment("partNumber", Kind.INT32, "1")
                    .query("key", Kind.S3_KEY, "@@s3key@@")
                    .tricks("key", "@@s3key@@", "wrong"),
            new Route("s3 list parts", "GET", "/s3/multipart/{id}", Who.USER).harmless().also("DELETE")
                    .segment("id", Kind.ID, "@@s3target@@").query("key", Kind.S3_KEY, "@@s3key@@")
                    .tricks("key", "@@s3key@@", "wrong"),
            new Route("s3 complete", "POST", "/s3/multipart/{id}/complete", Who.USER).also("GET")
                    .segment("id", Kind.ID, "@@s3target@@").query("key", Kind.S3_KEY, "@@s3key@@")
                    .body("{\"parts\":[{\"PartNumber\":1,\"ETag\":\"" + ETAG + "\"}]}")
                    .slot("parts", Kind.ARRAY, "{\"parts\":§}")
                    .slot("parts[0]", Kind.OBJECT, "{\"parts\":[§]}")
                    .looseSlot("parts[0].PartNumber", Kind.INT32, "{\"parts\":[{\"PartNumber\":§,\"ETag\":\"" + ETAG + "\"}]}")
                    .slot("parts[0].ETag", Kind.STRING, "{\"parts\":[{\"PartNumber\":1,\"ETag\":§}]}")
                    .tricks("key", "@@s3key@@", "wrong"),
            // The abort's valid request names the foreign upload's key: a 404, never an abort of the target.
            new Route("s3 abort", "DELETE", "/s3/multipart/{id}", Who.USER).also("GET")
                    .segment("id", Kind.ID, "@@s3target@@").query("key", Kind.S3_KEY, "@@s3foreignKey@@")
                    .tricks("key", "@@s3foreignKey@@", "wrong"),
            new Route("set cookie", "POST", "/s3/session", Who.USER).harmless().also("DELETE"),
            new Route("clear cookie", "DELETE", "/s3/session", Who.USER).harmless().also("POST"),
            // ------------------------------------------------------------- the operators' API
            new Route("admin list", "GET", "/api/v1/admin/uploads", Who.ADMIN).harmless()
                    .query("state", Kind.STRING, null).query("stalled", Kind.STRING, null)
                    .query("idleLongerThan", Kind.STRING, null).query("owner", Kind.OWNER, null)
                    .query("limit", Kind.INT32, "10").query("cursor", Kind.STRING, null)
                    .tricks("state", "UPLOADING", "bogus"),
            new Route("admin abort", "POST", "/api/v1/admin/uploads/{id}/abort", Who.ADMIN)
                    .segment("id", Kind.ID, "@@random@@"),
            new Route("admin stats", "GET", "/api/v1/admin/stats", Who.ADMIN).harmless(),
            new Route("admin usage", "GET", "/api/v1/admin/usage", Who.ADMIN).harmless()
                    .query("after", Kind.OWNER, null).query("limit", Kind.INT32, "10")
                    .tricks("limit", "10", "0"),
            new Route("get quota", "GET", "/api/v1/admin/quotas/{owner}", Who.ADMIN).harmless().also("PUT", "DELETE")
                    .segment("owner", Kind.OWNER, "@@quotaOwner@@"),
            new Route("put quota", "PUT", "/api/v1/admin/quotas/{owner}", Who.ADMIN).harmless().also("GET", "DELETE")
                    .segment("owner", Kind.OWNER, "@@quotaOwner@@")
                    .body("{\"maxActiveUploads\":1000}")
                    .slot("maxActiveUploads", Kind.INT32, "{\"maxActiveUploads\":§}")
                    .slot("maxBytesInFlight", Kind.INT64, "{\"maxBytesInFlight\":§}"),
            new Route("delete quota", "DELETE", "/api/v1/admin/quotas/{owner}", Who.ADMIN).harmless().also("GET", "PUT")
                    .segment("owner", Kind.OWNER, "@@quotaOwner@@"),
            new Route("admin events", "GET", "/api/v1/admin/events", Who.ADMIN).harmless()
                    .query("status", Kind.STRING, null).query("type", Kind.STRING, null)
                    .query("after", Kind.STRING, null).query("limit", Kind.INT32, "10")
                    .tricks("status", "pending", "bogus"),
            new Route("admin event", "GET", "/api/v1/admin/events/{id}", Who.ADMIN).harmless()
                    .segment("id", Kind.ID, "@@random@@"),
            new Route("redeliver event", "POST", "/api/v1/admin/events/{id}/redeliver", Who.ADMIN)
                    .segment("id", Kind.ID, "@@random@@"),
            // ------------------------------------------------------------- the pull feed and the dev token
            new Route("event feed", "GET", "/api/v1/events", Who.FEED).harmless()
                    .query("after", Kind.STRING, null).query("limit", Kind.INT32, "10")
                    .tricks("limit", "10", "0"),
            new Route("dev token", "GET", "/dev/token", Who.NOBODY).harmless()
                    .query("user", Kind.STRING, "sweep").query("admin", Kind.STRING, null)
                    .query("ttlSeconds", Kind.INT64, null)
                    .tricks("user", "sweep", "a%20b"));

    // =================================================================== what must come back

    enum Outcome {
        /** Exactly this status (and code, when given). */
        EXACT,
        /** Some 4xx. */
        CLIENT_ERROR,
        /** Anything but a 5xx (a value the gateway may take). */
        NO_SERVER_ERROR,
        /** The HTTP decoder's own answer, before the application (see the class comment): no problem body. */
        CODEC
    }

    record Expect(Outcome outcome, int status, String code) {
        static Expect exactly(int status, String code) {
            return new Expect(Outcome.EXACT, status, code);
        }

        static Expect codec(int status) {
            return new Expect(Outcome.CODEC, status, null);
        }

        @Override
        public String toString() {
            return switch (outcome) {
                case EXACT -> status + (code == null ? "" : " " + code);
                case CLIENT_ERROR -> "4xx";
                case NO_SERVER_ERROR -> "no 5xx";
                case CODEC -> status + " from the HTTP decoder";
            };
        }
    }

    static final Expect ANY = new Expect(Outcome.NO_SERVER_ERROR, 0, null);
    static final Expect REFUSED = new Expect(Outcome.CLIENT_ERROR, 0, null);
    static final Expect INVALID = Expect.exactly(400, "invalid_request");
    static final Expect NOT_FOUND = Expect.exactly(404, "not_found");
    static final Expect UNAUTHORIZED = Expect.exactly(401, "unauthorized");

    /** One request as sent: the target byte for byte, the headers, the body. */
    record Req(String method, String target, Who who, List<String[]> headers, byte[] body) {
        Req header(String name, String value) {
            List<String[]> more = new ArrayList<>(headers);
            more.add(new String[]{name, value});
            return new Req(method, target, who, more, body);
        }

        Req as(Who caller) {
            return new Req(method, target, caller, headers, body);
        }
    }

    record Case(String family, Route route, String variant, Req req, Expect expect) {
        @Override
        public String toString() {
            return family + " · " + route + " · " + variant + " → " + expect;
        }
    }

    private static Req request(Route route, String target) {
        return new Req(route.method, target, route.who, List.of(), null);
    }

    private static Req request(Route route, String target, String json) {
        return withBody(request(route, target), "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    private static Req withBody(Req req, String contentType, byte[] body) {
        Req withType = contentType == null ? req : req.header("Content-Type", contentType);
        return new Req(withType.method(), withType.target(), withType.who(), withType.headers(), body);
    }

    /** The route's valid request (its body, if it takes one). */
    private static Req valid(Route route) {
        return route.body == null ? request(route, route.target()) : request(route, route.target(), route.body);
    }

    /** An upload id the route's caller cannot see: the other owner's (user routes) or one never issued (operators' routes). */
    private static String unseen(Route route) {
        return route.s3() ? "@@s3foreign@@" : route.who == Who.ADMIN ? "@@random@@" : "@@foreign@@";
    }

    /** The valid request if it is harmless; else the same request aimed at an upload the caller cannot see. */
    private static Req safe(Route route) {
        if (route.harmless) {
            return valid(route);
        }
        Param id = route.params.stream().filter(p -> p.kind() == Kind.ID).findFirst()
                .orElseThrow(() -> new IllegalStateException(route + " changes uploads but names none"));
        return withTargetOf(route, route.target(Map.of(id.name(), unseen(route))));
    }

    private static Stream<Route> routes(Predicate<Route> which) {
        return ROUTES.stream().filter(which);
    }

    // =================================================================== the families

    static Stream<Case> cases() {
        return Stream.of(malformedJson(), contentTypes(), wrongTypes(), hugeNumbers(), unicode(), headers(), wrongMethods(),
                methodOverrides(), pathTricks(), queryTricks(), auth(), cookie()).flatMap(family -> family);
    }

    record Variant(String name, byte[] body, Expect expect) {
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** Bodies that are not the JSON object the route reads. */
    static Stream<Case> malformedJson() {
        return routes(r -> r.body != null).flatMap(route -> {
            String b = route.body;
            String firstMember = b.substring(1, b.indexOf(',') > 0 ? b.indexOf(',') : b.length() - 1);
            // A lease without a body asks for every remaining part: a valid call, so no body at all is not a 400 there.
            Expect noBody = route.name.equals("lease parts") ? ANY : INVALID;
            List<Variant> variants = List.of(
                    new Variant("truncated", utf8(b.substring(0, b.length() - 1)), INVALID),
                    new Variant("cut inside a string", utf8(b.substring(0, b.indexOf(':') + 3)), INVALID),
                    new Variant("empty body", new byte[0], noBody),
                    new Variant("whitespace only", utf8(" \r\n\t "), noBody),
                    new Variant("null", utf8("null"), noBody),
                    new Variant("the object inside an array", utf8("[" + b + "]"), INVALID),
                    new Variant("an empty array", utf8("[]"), INVALID),
                    new Variant("a string", utf8("\"" + b.replace("\"", "\\\"") + "\""), INVALID),
                    new Variant("a number", utf8("42"), INVALID),
                    new Variant("true", utf8("true"), INVALID),
                    new Variant("a duplicate key", utf8("{" + firstMember + "," + b.substring(1)), INVALID),
                    new Variant("trailing garbage", utf8(b + " x"), INVALID),
                    new Variant("two objects", utf8(b + b), INVALID),
                    new Variant("single quotes", utf8(b.replace('"', '\'')), INVALID),
                    new Variant("a comment", utf8("/* hostile */" + b), INVALID),
                    new Variant("a trailing comma", utf8(b.substring(0, b.length() - 1) + ",}"), INVALID),
                    new Variant("an unquoted key", utf8(b.replaceFirst("\"([A-Za-z]+)\":", "$1:")), INVALID),
                    new Variant("NaN", utf8(b.substring(0, b.length() - 1) + ",\"n\":NaN}"), INVALID),
                    new Variant("an invalid UTF-8 byte", concat(utf8("{\""), new byte[]{(byte) 0xFF, (byte) 0xFE}, utf8("\":1}")), INVALID),
                    new Variant("an unterminated string of 100 KB", utf8("{\"" + "a".repeat(100_000)), INVALID),
                    new Variant("arrays nested 5,000 deep", utf8("{" + firstMember.substring(0, firstMember.indexOf(':') + 1)
                            + "[".repeat(5000) + "]".repeat(5000) + "}"), INVALID),
                    // Valid JSON after all: sent only where a valid body changes nothing watched.
                    new Variant("a UTF-8 byte order mark first", concat(new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8(b)), ANY));
            return variants.stream().filter(v -> v.expect() != ANY || route.harmless).map(v -> new Case("malformed JSON", route, v.name(),
                    withBody(request(route, route.target()), "application/json", v.body()), v.expect()));
        });
    }

    /** A valid body under another Content-Type. */
    static Stream<Case> contentTypes() {
        Expect unsupported = Expect.exactly(415, "unsupported_media_type");
        Map<String, Expect> types = new LinkedHashMap<>();
        types.put("text/plain", unsupported);
        types.put("application/x-www-form-urlencoded", unsupported);
        types.put("application/xml", unsupported);
        types.put("multipart/form-data; boundary=x", unsupported);
        types.put("application/problem+json", ANY);
        types.put("application/json; charset=utf-16", ANY);
        types.put("application/json; charset=no-such-charset", ANY);
        types.put("not a media type", ANY);
        types.put("application/json; " + "p=v; ".repeat(1000), ANY);
        // A type the gateway might read as JSON carries a valid body: sent only where that changes nothing watched.
        return routes(r -> r.body != null).flatMap(route -> Stream.concat(
                types.entrySet().stream().filter(type -> type.getValue() != ANY || route.harmless)
                        .map(type -> new Case("content type", route, "Content-Type: " + shortened(type.getKey()),
                                withBody(request(route, route.target()), type.getKey(), utf8(route.body)), type.getValue())),
                !route.harmless ? Stream.<Case>empty() : Stream.of(new Case("content type", route, "no Content-Type",
                                withBody(request(route, route.target()), null, utf8(route.body)), ANY),
                        new Case("content type", route, "Content-Encoding: gzip on plain bytes",
                                withBody(request(route, route.target()), "application/json", utf8(route.body))
                                        .header("Content-Encoding", "gzip"), ANY))));
    }

    private static String shortened(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "…";
    }

    record Val(String name, String text) {
    }

    /** Another JSON type, or null, where each field goes. */
    static Stream<Case> wrongTypes() {
        return routes(r -> !r.slots.isEmpty()).flatMap(route -> route.slots.stream()
                .filter(slot -> slot.kind() != Kind.METADATA_KEY)
                .flatMap(slot -> wrongTypesFor(slot.kind()).stream().map(v -> new Case("wrong type", route,
                        slot.name() + " is " + v.name(), request(route, route.target(), slot.with(v.text())),
                        slot.strict() && !v.text().equals("null") ? INVALID : ANY))));
    }

    static List<Val> wrongTypesFor(Kind kind) {
        return switch (kind) {
            case INT32, INT64 -> List.of(new Val("a string of digits", "\"7\""), new Val("true", "true"),
                    new Val("an object", "{}"), new Val("an array", "[7]"), new Val("null", "null"));
            case STRING -> List.of(new Val("a number", "7"), new Val("true", "true"), new Val("an object", "{}"),
                    new Val("an array", "[\"a\"]"), new Val("null", "null"));
            case BOOL -> List.of(new Val("a word", "\"yes\""), new Val("an object", "{}"), new Val("an array", "[true]"),
                    new Val("null", "null"));
            case ARRAY -> List.of(new Val("a string", "\"1\""), new Val("a number", "1"), new Val("an object", "{}"),
                    new Val("null", "null"));
            case OBJECT -> List.of(new Val("a string", "\"x\""), new Val("a number", "1"), new Val("an array", "[]"),
                    new Val("null", "null"));
            default -> List.of();
        };
    }

    /** A number as written, and whether it is an integer within the range of each integer type. */
    record Num(String text, boolean integer, boolean int64, boolean int32) {
        Expect expectFor(Kind kind) {
            boolean inRange = integer && (kind == Kind.INT64 ? int64 : int32);
            return inRange ? ANY : INVALID;
        }
    }

    static final List<Num> NUMBERS = List.of(
            new Num("0", true, true, true),
            new Num("-1", true, true, true),
            new Num("2147483648", true, true, false),
            new Num("-2147483649", true, true, false),
            new Num("9223372036854775808", true, false, false),
            new Num("-9223372036854775809", true, false, false),
            new Num("123456789012345678901234567890", true, false, false),
            new Num("1e400", false, false, false),
            new Num("-1e400", false, false, false),
            new Num("1.5", false, false, false),
            new Num("1e2", false, false, false),
            new Num("1.0", false, false, false),
            new Num("0x10", false, false, false),
            new Num("-0", true, true, true));

    /** Only in bodies: as a URL it would be a request line over the limit (a 414, see the headers family). */
    static final Num DIGITS_5000 = new Num("9".repeat(5000), true, false, false);

    /** Every number in every numeric field, path segment and query parameter. */
    static Stream<Case> hugeNumbers() {
        Stream<Case> inBodies = ROUTES.stream().flatMap(route -> route.slots.stream()
                .filter(slot -> slot.kind() == Kind.INT32 || slot.kind() == Kind.INT64)
                .flatMap(slot -> Stream.concat(NUMBERS.stream(), Stream.of(DIGITS_5000)).map(n -> new Case("huge number", route,
                        slot.name() + " = " + shortened(n.text()),
                        request(route, route.target(), slot.with(n.text())), n.expectFor(slot.kind())))));
        Stream<Case> inUrls = ROUTES.stream().flatMap(route -> route.params.stream()
                .filter(param -> param.kind() == Kind.INT32 || param.kind() == Kind.INT64)
                .flatMap(param -> NUMBERS.stream().map(n -> new Case("huge number", route,
                        (param.inPath() ? "path " : "query ") + param.name() + " = " + n.text(),
                        withTargetOf(route, route.target(Map.of(param.name(), n.text()))),
                        // The dev token route clamps its ttlSeconds into range; elsewhere an integer out of the type is a 400.
                        route.name.equals("dev token") && n.integer() ? ANY : n.expectFor(param.kind())))));
        return Stream.concat(inBodies, inUrls);
    }

    private static Req withTargetOf(Route route, String target) {
        Req valid = valid(route);
        return new Req(valid.method(), target, valid.who(), valid.headers(), valid.body());
    }

    /** A hostile text, as a JSON string literal and as a percent-encoded URL component. */
    record Text(String name, String json, String url) {
    }

    static final List<Text> UNICODE = List.of(
            new Text("an emoji", "\"\uD83D\uDE00\"", "%F0%9F%98%80"),
            new Text("a right-to-left override", "\"a\\u202Eb\"", "a%E2%80%AEb"),
            new Text("a combining accent", "\"e\\u0301\"", "e%CC%81"),
            new Text("a lone surrogate", "\"\\ud800\"", "%ED%A0%80"),
            new Text("NUL", "\"a\\u0000b\"", "a%00b"),
            new Text("very long text", "\"" + "\u00e9".repeat(60_000) + "\"", "%C3%A9".repeat(600)));

    /** Texts the gateway must refuse in any field it checks: NUL, a lone surrogate, 60,000 characters. */
    private static boolean alwaysRefused(Text text) {
        return text.name().equals("NUL") || text.name().equals("a lone surrogate") || text.name().equals("very long text");
    }

    /** Every hostile text in every string field, path segment and query parameter, and in headers. */
    static Stream<Case> unicode() {
        Stream<Case> inBodies = ROUTES.stream().flatMap(route -> route.slots.stream()
                .filter(slot -> slot.kind() == Kind.STRING || slot.kind() == Kind.METADATA_KEY)
                .flatMap(slot -> UNICODE.stream().map(t -> new Case("unicode", route, slot.name() + " with " + t.name(),
                        request(route, route.target(), slot.with(t.json())), alwaysRefused(t) ? INVALID : ANY))));
        Stream<Case> inUrls = ROUTES.stream().flatMap(route -> route.params.stream()
                .flatMap(param -> UNICODE.stream().map(t -> new Case("unicode", route,
                        (param.inPath() ? "path " : "query ") + param.name() + " with " + t.name(),
                        withTargetOf(route, route.target(Map.of(param.name(), t.url()))), expectForText(route, param)))));
        Stream<Case> inHeaders = Stream.of(
                new Case("unicode", route("create upload"), "Idempotency-Key with an emoji (raw UTF-8)",
                        valid(route("create upload")).header("Idempotency-Key", "k-\uD83D\uDE00"), INVALID),
                new Case("unicode", route("list uploads"), "Authorization: Bearer with an emoji (raw UTF-8)",
                        valid(route("list uploads")).header("Authorization", "Bearer \uD83D\uDE00"), UNAUTHORIZED),
                new Case("unicode", route("list uploads"), "an unknown header with raw UTF-8",
                        valid(route("list uploads")).header("X-Sweep", "\u202E\uD83D\uDE00e\u0301"), ANY));
        return Stream.of(inBodies, inUrls, inHeaders).flatMap(s -> s);
    }

    private static Expect expectForText(Route route, Param param) {
        return switch (param.kind()) {
            case ID, S3_KEY -> NOT_FOUND;
            case INT32, INT64 -> INVALID;
            default -> ANY;
        };
    }

    static Route route(String name) {
        return ROUTES.stream().filter(r -> r.name.equals(name)).findFirst().orElseThrow();
    }

    /** Overlong headers and request lines, huge tokens, many headers. */
    static Stream<Case> headers() {
        return Stream.concat(ROUTES.stream().flatMap(route -> {
            Req valid = valid(route);
            List<Case> cases = new ArrayList<>();
            cases.add(new Case("headers", route, "a 20 KB header", valid.header("X-Sweep-Padding", "a".repeat(20 * 1024)),
                    Expect.codec(431)));
            cases.add(new Case("headers", route, "a 20 KB Authorization header",
                    valid.header("Authorization", "Bearer " + "a".repeat(20 * 1024)), Expect.codec(431)));
            String target = route.target();
            cases.add(new Case("headers", route, "a request line of 5 KB",
                    withTargetOf(route, target + (target.contains("?") ? "&" : "?") + "pad=" + "a".repeat(5 * 1024)),
                    Expect.codec(414)));
            cases.add(new Case("headers", route, "a 16 KB garbage bearer token (under the limit)",
                    valid.header("Authorization", "Bearer " + "a".repeat(16 * 1024)), route.authenticated() ? UNAUTHORIZED : ANY));
            if (route.harmless) {
                Req many = valid;
                for (int i = 0; i < 1000; i++) {
                    many = many.header("X-Sweep-" + i, "v");
                }
                cases.add(new Case("headers", route, "1,000 headers", many, ANY));
            }
            return cases.stream();
        }), Stream.of(
                new Case("headers", route("create upload"), "an Idempotency-Key of 10 KB",
                        valid(route("create upload")).header("Idempotency-Key", "k".repeat(10 * 1024)), INVALID),
                // An empty header field is taken as no key at all.
                new Case("headers", route("create upload"), "an empty Idempotency-Key",
                        valid(route("create upload")).header("Idempotency-Key", ""), ANY),
                new Case("headers", route("list uploads"), "an Accept of 10 KB",
                        valid(route("list uploads")).header("Accept", "application/json;q=0.1, " + "x/y, ".repeat(2000)), ANY),
                new Case("headers", route("list uploads"), "Accept: application/xml only",
                        valid(route("list uploads")).header("Accept", "application/xml"), ANY)));
    }

    static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "PROPFIND", "TRACE");

    /** Every method a path does not take: 405, whoever asks. */
    static Stream<Case> wrongMethods() {
        Set<String> seen = new HashSet<>();
        return ROUTES.stream().filter(route -> seen.add(route.path)).flatMap(route -> {
            Set<String> answered = new HashSet<>(route.alsoAnswers);
            ROUTES.stream().filter(r -> r.path.equals(route.path)).forEach(r -> answered.add(r.method));
            return METHODS.stream().filter(m -> !answered.contains(m)).map(method -> {
                Req valid = request(route, route.target());
                boolean body = !method.equals("GET") && !method.equals("DELETE") && !method.equals("TRACE");
                Req req = new Req(method, valid.target(), route.who, List.of(), body ? new byte[0] : null);
                return new Case("wrong method", route, method + " " + route.path, req, Expect.exactly(405, "method_not_allowed"));
            });
        });
    }

    /** A method-override header is not a method: a GET stays a GET, a POST where none is taken stays a 405. */
    static Stream<Case> methodOverrides() {
        Route get = route("get upload");
        return Stream.of(
                new Case("wrong method", get, "GET with X-HTTP-Method-Override: DELETE", valid(get)
                        .header("X-HTTP-Method-Override", "DELETE"), Expect.exactly(200, null)),
                new Case("wrong method", get, "POST with X-HTTP-Method-Override: DELETE", new Req("POST", get.target(), Who.USER,
                        List.<String[]>of(new String[]{"X-HTTP-Method-Override", "DELETE"}), new byte[0]),
                        Expect.exactly(405, "method_not_allowed")),
                new Case("wrong method", get, "POST with X-HTTP-Method: DELETE", new Req("POST", get.target(), Who.USER,
                        List.<String[]>of(new String[]{"X-HTTP-Method", "DELETE"}), new byte[0]),
                        Expect.exactly(405, "method_not_allowed")));
    }

    /** Spellings of the path: ids that are not the upload's, dot segments, encoded separators, doubled slashes. */
    static Stream<Case> pathTricks() {
        Stream<Case> ids = ROUTES.stream().flatMap(route -> route.params.stream().filter(p -> p.kind() == Kind.ID)
                .flatMap(id -> {
                    String unseen = unseen(route);
                    // Dot segments may resolve to another route of the same resource: a read's answer may be a 200 there.
                    Expect elsewhere = route.harmless ? ANY : REFUSED;
                    Map<String, Expect> tricks = new LinkedHashMap<>();
                    // Without webhooks, redelivering any well-formed id is 409 webhooks_off before the event is looked up.
                    Expect unknown = route.name.equals("redeliver event") ? REFUSED : NOT_FOUND;
                    tricks.put(unseen, unknown);
                    tricks.put("@@random@@", unknown);
                    tricks.put("00000000-0000-0000-0000-000000000000", unknown);
                    tricks.put("not-a-uuid", NOT_FOUND);
                    tricks.put("1-2-3-4-5", NOT_FOUND);
                    tricks.put("%7B" + unseen + "%7D", NOT_FOUND);
                    tricks.put(unseen + "0", NOT_FOUND);
                    tricks.put("%20" + unseen, NOT_FOUND);
                    tricks.put("%252e%252e", NOT_FOUND);
                    tricks.put("..%5C..%5C", NOT_FOUND);
                    tricks.put(unseen + "%3Fsync=true", NOT_FOUND);
                    tricks.put(unseen + "%23fragment", NOT_FOUND);
                    tricks.put(unseen + ";matrix=1", elsewhere);
                    tricks.put("%2e%2e", elsewhere);
                    tricks.put("%2e", elsewhere);
                    tricks.put("..", elsewhere);
                    tricks.put(unseen + "%2F..%2F" + unseen, elsewhere);
                    tricks.put("%2F" + unseen, elsewhere);
                    tricks.put(unseen + "/", elsewhere);
                    tricks.put("/" + unseen, elsewhere);
                    return tricks.entrySet().stream().map(trick -> new Case("path trick", route,
                            "id " + trick.getKey().replace("@@", ""),
                            withTargetOf(route, route.target(Map.of(id.name(), trick.getKey()))), trick.getValue()));
                }));
        Stream<Case> prefixes = ROUTES.stream().flatMap(route -> {
            String target = safe(route).target();
            // The operators' and the feed's routes are tried with a user's token: no spelling may get past the role check.
            boolean privileged = route.who == Who.ADMIN || route.who == Who.FEED;
            Expect expect = privileged || !route.harmless ? REFUSED : ANY;
            String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
            String query = target.substring(path.length());
            int firstSlash = path.indexOf('/', 1);
            Map<String, String> tricks = new LinkedHashMap<>();
            tricks.put("a trailing slash", path + "/" + query);
            tricks.put("a doubled slash", path.substring(0, firstSlash) + "/" + path.substring(firstSlash) + query);
            tricks.put("a leading doubled slash", "/" + path + query);
            tricks.put("a %2e segment", path.substring(0, firstSlash) + "/%2e" + path.substring(firstSlash) + query);
            tricks.put("a climbing ..", path.substring(0, firstSlash) + "/x/.." + path.substring(firstSlash) + query);
            tricks.put("an encoded slash", path.substring(0, firstSlash) + "%2F" + path.substring(firstSlash + 1) + query);
            tricks.put("percent-encoded letters", outsidePlaceholders(path, HostileInputSweepTest::percentEncodeLetters) + query);
            tricks.put("upper case", outsidePlaceholders(path, p -> p.toUpperCase(Locale.ROOT)) + query);
            tricks.put("a matrix parameter", path + ";x=1" + query);
            tricks.put("an encoded NUL at the end", path + "%00" + query);
            tricks.put("1,000 more segments", path + "/x".repeat(1000) + query);
            return tricks.entrySet().stream().map(trick -> {
                Req req = withTargetOf(route, trick.getValue());
                return new Case("path trick", route, trick.getKey() + (privileged ? " (a user's token)" : ""),
                        privileged ? req.as(Who.USER) : req, expect);
            });
        });
        return Stream.concat(ids, prefixes);
    }

    /** {@code change} applied to the text between placeholders ({@code @@target@@} stays as it is). */
    private static String outsidePlaceholders(String text, java.util.function.UnaryOperator<String> change) {
        String[] pieces = text.split("@@", -1);
        for (int i = 0; i < pieces.length; i += 2) {
            pieces[i] = change.apply(pieces[i]);
        }
        return String.join("@@", pieces);
    }

    /** Letters percent-encoded ({@code /api} → {@code /%61%70%69}). */
    private static String percentEncodeLetters(String path) {
        StringBuilder out = new StringBuilder();
        for (char c : path.toCharArray()) {
            out.append(Character.isLetter(c) ? String.format("%%%02X", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }

    /** Repeated, empty and nameless parameters, separators in values. */
    static Stream<Case> queryTricks() {
        return routes(r -> r.trickParam != null).flatMap(route -> {
            String p = route.trickParam;
            String good = route.goodValue;
            String bad = route.badValue;
            // Where the valid request would change a watched upload, only tricks that must fail are sent.
            Map<String, Expect> tricks = new LinkedHashMap<>();
            tricks.put(p + "=" + bad + "&" + p + "=" + good, REFUSED);
            tricks.put(p + "=", ANY);
            tricks.put(p, ANY);
            tricks.put("=" + good, ANY);
            tricks.put(p + "%5B%5D=" + good, ANY);
            tricks.put(p + "=" + good + "%26" + p + "%3D" + bad, REFUSED);
            tricks.put(p + "=" + bad + ";" + p + "=" + good, REFUSED);
            if (route.harmless) {
                tricks.put(p + "=" + good + "&" + p + "=" + bad, ANY);
                // Vert.x matches parameter names case-insensitively: KEY=… is key=…, a valid request.
                tricks.put(p.toUpperCase(Locale.ROOT) + "=" + good, ANY);
                tricks.put("&&" + p + "=" + good + "&&", ANY);
                tricks.put(p + "=+" + good + "+", ANY);
            }
            return tricks.entrySet().stream().map(trick -> new Case("query trick", route,
                    "?" + trick.getKey().replace("@@", ""), withTargetOf(route, route.targetWithTrick(trick.getKey())), trick.getValue()));
        });
    }

    /** No token, another scheme, an empty bearer: 401 everywhere; a user's token on the privileged routes: 403. */
    static Stream<Case> auth() {
        Stream<Case> unauthenticated = routes(Route::authenticated).flatMap(route -> Stream.of(
                new Case("auth", route, "no token", valid(route).as(Who.NOBODY), UNAUTHORIZED),
                new Case("auth", route, "Basic credentials", valid(route).as(Who.NOBODY)
                        .header("Authorization", "Basic c3dlZXA6c3dlZXA="), UNAUTHORIZED),
                new Case("auth", route, "an empty bearer", valid(route).as(Who.NOBODY).header("Authorization", "Bearer "),
                        UNAUTHORIZED)));
        Expect forbidden = Expect.exactly(403, "forbidden");
        Stream<Case> wrongGroup = routes(r -> r.who == Who.ADMIN || r.who == Who.FEED).flatMap(route -> Stream.of(
                new Case("auth", route, "a user's token", valid(route).as(Who.USER), forbidden),
                new Case("auth", route, route.who == Who.ADMIN ? "the feed's token" : "an operator's token",
                        valid(route).as(route.who == Who.ADMIN ? Who.FEED : Who.ADMIN), forbidden)));
        return Stream.concat(unauthenticated, wrongGroup);
    }

    /** The /s3 cookie from another site, or with a value that is no token. */
    static Stream<Case> cookie() {
        Expect crossSite = Expect.exactly(403, "cross_site_request");
        return routes(Route::s3).flatMap(route -> {
            String cookie = "__Host-gateway_token=@@token:" + route.who + "@@";
            Req byCookie = safe(route).as(Who.NOBODY).header("Cookie", cookie);
            return Stream.of(
                    new Case("cookie", route, "Sec-Fetch-Site: cross-site", byCookie.header("Sec-Fetch-Site", "cross-site"), crossSite),
                    new Case("cookie", route, "Sec-Fetch-Site: same-site", byCookie.header("Sec-Fetch-Site", "same-site"), crossSite),
                    new Case("cookie", route, "Origin: null", byCookie.header("Origin", "null"), crossSite),
                    new Case("cookie", route, "an Origin with a look-alike host",
                            byCookie.header("Origin", "http://l\u043Ecalhost:@@port@@"), crossSite),
                    new Case("cookie", route, "an Origin with userinfo",
                            byCookie.header("Origin", "http://localhost:@@port@@@evil.example"), crossSite),
                    new Case("cookie", route, "an Origin of 10 KB", byCookie.header("Origin", "http://" + "a".repeat(10 * 1024)),
                            crossSite),
                    new Case("cookie", route, "a garbage cookie, same origin", safe(route).as(Who.NOBODY)
                            .header("Cookie", "__Host-gateway_token=garbage").header("Sec-Fetch-Site", "same-origin"), UNAUTHORIZED),
                    new Case("cookie", route, "a 16 KB cookie, same origin", safe(route).as(Who.NOBODY)
                            .header("Cookie", "__Host-gateway_token=" + "a".repeat(16 * 1024)).header("Sec-Fetch-Site", "same-origin"),
                            UNAUTHORIZED),
                    new Case("cookie", route, "a garbage cookie before the real one", safe(route).as(Who.NOBODY)
                            .header("Cookie", "__Host-gateway_token=garbage; " + cookie).header("Sec-Fetch-Site", "same-origin"),
                            route.harmless ? ANY : REFUSED));
        });
    }

    // =================================================================== the sweep

    private Fixture fixture;
    private int sent;

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @Order(1)
    void hostileInputIsAClearRefusalNeverA500(Case hostile) {
        Answer answer = send(hostile.req());
        sent++;
        String seen = hostile + "\n  sent " + hostile.req().method() + " " + shortened(fixture().resolve(hostile.req().target()))
                + "\n  got " + answer;
        assertTrue(answer.status() < 500, seen);
        Expect expect = hostile.expect();
        switch (expect.outcome()) {
            case CODEC -> {
                assertEquals(expect.status(), answer.status(), seen);
                return;
            }
            case EXACT -> assertEquals(expect.status(), answer.status(), seen);
            case CLIENT_ERROR -> assertTrue(answer.status() >= 400, seen);
            case NO_SERVER_ERROR -> {
            }
        }
        if (answer.status() >= 400) {
            assertIsAProblem(answer, seen);
            if (expect.code() != null) {
                assertEquals(expect.code(), answer.json().path("code").asText(), seen);
            }
        }
    }

    /** problem+json with a catalogue code whose status is the answer's. */
    private static void assertIsAProblem(Answer answer, String seen) {
        assertTrue(answer.contentType().startsWith("application/problem+json"), "not a problem: " + seen);
        JsonNode problem = answer.json();
        assertNotNull(problem, "not JSON: " + seen);
        String code = problem.path("code").asText();
        ErrorCode catalogued = Arrays.stream(ErrorCode.values()).filter(c -> c.code().equals(code)).findFirst()
                .orElseThrow(() -> new AssertionError("code '" + code + "' is not in the catalogue: " + seen));
        assertEquals(answer.status(), catalogued.status(), "the code's status: " + seen);
        assertEquals(answer.status(), problem.path("status").asInt(), "the problem's status member: " + seen);
    }

    @Test
    @Order(2)
    void theSweepChangedNoUploadItDidNotCreate() {
        Fixture f = fixture();
        long total = cases().count();
        if (sent < total) {
            cases().forEach(hostile -> send(hostile.req()));
        }
        assertEquals(f.before, f.snapshot(), "the watched uploads as the ledger holds them");
        Answer target = send(new Req("GET", "/api/v1/uploads/@@target@@", Who.USER, List.of(), null));
        assertEquals(200, target.status(), target.toString());
        assertEquals("UPLOADING", target.json().path("state").asText());
        assertEquals(0, target.json().path("parts").size());
        Answer s3 = send(new Req("GET", "/api/v1/uploads/@@s3target@@", Who.USER, List.of(), null));
        assertEquals("UPLOADING", s3.json().path("state").asText(), s3.toString());
        // Storage holds nothing either (a sync reads S3's own list of parts).
        for (String id : List.of("@@target@@", "@@s3target@@")) {
            Answer synced = send(new Req("GET", "/api/v1/uploads/" + id + "?sync=true", Who.USER, List.of(), null));
            assertEquals(200, synced.status(), synced.toString());
            assertEquals(0, synced.json().path("parts").size(), synced.toString());
        }
        for (Who owner : List.of(Who.USER, Who.OTHER)) {
            Answer listing = send(new Req("GET", "/api/v1/uploads", owner, List.of(), null));
            Set<String> ids = new HashSet<>();
            listing.json().path("items").forEach(item -> ids.add(item.path("id").asText()));
            assertEquals(owner == Who.USER ? Set.of(f.target, f.s3target) : Set.of(f.foreign, f.s3foreign), ids,
                    owner + "'s uploads: " + listing);
        }
    }

    // =================================================================== fixture and raw HTTP

    /** The uploads the sweep aims at, and who may call. Created on first use (the port is known only inside a test). */
    final class Fixture {
        final String userName = "sweep-user-" + UUID.randomUUID();
        final Map<Who, String> tokens = new LinkedHashMap<>();
        final String quotaOwner = "sweep-quota-" + UUID.randomUUID();
        final String random = UUID.randomUUID().toString();
        String target;
        String foreign;
        String s3target;
        String s3key;
        String s3foreign;
        String s3foreignKey;
        String before;

        Fixture() {
            tokens.put(Who.USER, Tokens.forUser(userName));
            tokens.put(Who.OTHER, Tokens.forUser("sweep-other-" + UUID.randomUUID()));
            tokens.put(Who.CREATOR, Tokens.forUser("sweep-creator-" + UUID.randomUUID()));
            tokens.put(Who.ADMIN, Tokens.forAdmin("sweep-ops"));
            tokens.put(Who.FEED, Tokens.sign("sweep-feed", Set.of(TestStack.FEED_GROUP), Instant.now().plusSeconds(3600),
                    TestStack.ISSUER));
        }

        void create() {
            target = created(Who.USER, "/api/v1/uploads", "{\"filename\":\"target.bin\",\"size\":100}").path("id").asText();
            foreign = created(Who.OTHER, "/api/v1/uploads", "{\"filename\":\"foreign.bin\",\"size\":100}").path("id").asText();
            JsonNode s3 = created(Who.USER, "/s3/multipart", "{\"filename\":\"s3-target.bin\",\"type\":\"application/octet-stream\"}");
            s3target = s3.path("uploadId").asText();
            s3key = s3.path("key").asText();
            JsonNode s3other = created(Who.OTHER, "/s3/multipart", "{\"filename\":\"s3-foreign.bin\",\"type\":\"application/octet-stream\"}");
            s3foreign = s3other.path("uploadId").asText();
            s3foreignKey = s3other.path("key").asText();
            before = snapshot();
        }

        private JsonNode created(Who who, String path, String json) {
            Answer answer = send(withBody(new Req("POST", path, who, List.of(), null), "application/json", utf8(json)));
            assertTrue(answer.status() == 200 || answer.status() == 201, answer.toString());
            return answer.json();
        }

        String resolve(String text) {
            if (!text.contains("@@")) {
                return text;
            }
            String resolved = text.replace("@@s3foreignKey@@", form(s3foreignKey)).replace("@@s3foreign@@", s3foreign)
                    .replace("@@s3key@@", form(s3key)).replace("@@s3target@@", s3target)
                    .replace("@@target@@", target).replace("@@foreign@@", foreign).replace("@@random@@", random)
                    .replace("@@quotaOwner@@", quotaOwner).replace("@@port@@", String.valueOf(RestAssured.port));
            for (Map.Entry<Who, String> token : tokens.entrySet()) {
                resolved = resolved.replace("@@token:" + token.getKey() + "@@", token.getValue());
            }
            return resolved;
        }

        private static String form(String value) {
            return URLEncoder.encode(value, StandardCharsets.UTF_8);
        }

        /** The watched uploads' rows (but their activity times), parts, checksums and events. */
        String snapshot() {
            StringBuilder all = new StringBuilder();
            try (Connection db = Ledger.connect()) {
                for (String id : List.of(target, foreign, s3target, s3foreign)) {
                    for (String sql : List.of(
                            "select (to_jsonb(u) - 'updated_at' - 'last_activity_at' - 'expires_at')::text from uploads u where id = ?::uuid",
                            "select coalesce(jsonb_agg(p order by part_number), '[]')::text from upload_parts p where upload_id = ?::uuid",
                            "select coalesce(jsonb_agg(c), '[]')::text from part_checksums c where upload_id = ?::uuid",
                            "select coalesce(string_agg(type, ',' order by seq), '') from events where subject = ?::uuid")) {
                        try (var query = db.prepareStatement(sql)) {
                            query.setString(1, id);
                            var rows = query.executeQuery();
                            all.append(rows.next() ? rows.getString(1) : "none").append('\n');
                        }
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return all.toString();
        }
    }

    private Fixture fixture() {
        if (fixture == null) {
            fixture = new Fixture();
            fixture.create(); // its own calls name no placeholder
        }
        return fixture;
    }

    record Answer(int status, Map<String, String> headers, String body) {
        String contentType() {
            return headers.getOrDefault("content-type", "");
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            return status + " " + contentType() + " " + (body.length() > 500 ? body.substring(0, 500) + "…" : body);
        }
    }

    /**
     * Sends the request byte for byte over a socket (no client library normalises the path, refuses
     * a header or adds one), with {@code Connection: close}, and reads the whole answer.
     */
    private Answer send(Req req) {
        Fixture f = fixture();
        String target = f.resolve(req.target());
        StringBuilder head = new StringBuilder(req.method()).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: localhost:").append(RestAssured.port).append("\r\n");
        boolean authorization = false;
        boolean accept = false;
        for (String[] header : req.headers()) {
            authorization |= header[0].equalsIgnoreCase("Authorization");
            accept |= header[0].equalsIgnoreCase("Accept");
            head.append(header[0]).append(": ").append(f.resolve(header[1])).append("\r\n");
        }
        if (!accept) {
            head.append("Accept: application/json\r\n");
        }
        if (req.who() != Who.NOBODY && !authorization) {
            head.append("Authorization: Bearer ").append(f.tokens.get(req.who())).append("\r\n");
        }
        if (req.body() != null) {
            head.append("Content-Length: ").append(req.body().length).append("\r\n");
        }
        head.append("Connection: close\r\n\r\n");
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(30_000);
            var out = socket.getOutputStream();
            try {
                out.write(head.toString().getBytes(StandardCharsets.UTF_8));
                if (req.body() != null) {
                    out.write(req.body());
                }
                out.flush();
            } catch (SocketException e) {
                // The server may answer (431, 413) and close before it read everything: read what it said.
            }
            return parse(readAll(socket.getInputStream()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) != -1; ) {
                all.write(buffer, 0, n);
            }
        } catch (SocketException e) {
            if (all.size() == 0) {
                throw e;
            }
        }
        return all.toByteArray();
    }

    private static Answer parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        // The decoder's own refusals (414, 431) come as HTTP/1.0.
        if (!text.startsWith("HTTP/1.") || end < 0) {
            fail("no HTTP answer: '" + shortened(text) + "'");
        }
        int status = Integer.parseInt(text.substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        text.substring(0, end).lines().skip(1).forEach(line -> {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
            }
        });
        byte[] body = Arrays.copyOfRange(raw, end + 4, raw.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (at < chunked.length) {
            int lineEnd = indexOf(chunked, at);
            if (lineEnd < 0) {
                break;
            }
            String size = new String(chunked, at, lineEnd - at, StandardCharsets.ISO_8859_1).split(";")[0].strip();
            int length = Integer.parseInt(size, 16);
            if (length == 0) {
                break;
            }
            out.write(chunked, lineEnd + 2, length);
            at = lineEnd + 2 + length + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i + 1 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
