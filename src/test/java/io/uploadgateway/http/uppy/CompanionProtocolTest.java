package io.uploadgateway.http.uppy;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.quarkus.vertx.VertxContextSupport;
import io.uploadgateway.upload.janitor.Janitor;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.TestClock;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Companion's S3 routes against the real stack (PostgreSQL, S3Proxy): real bytes PUT to the
 * URLs the gateway signs, the stored objects read back. The gateway's maximum is 12 MiB here, so
 * an open-sized upload can go over it.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = @ResourceArg(name = "gateway.max-upload-size", value = "12M"))
class CompanionProtocolTest {

    private static final int MIB = 1024 * 1024;

    @Inject
    S3AsyncClient s3;

    @Inject
    Janitor janitor;

    @Test
    void openSizedUploadWithAnOddNameCompletesWithMixedEtags() {
        Companion uppy = Companion.as("uppy-ann");
        String filename = "my file + 1 & 2 %20 é.bin";
        Map<String, Object> meta = new HashMap<>();
        meta.put("name", filename);
        meta.put("type", "application/octet-stream");
        meta.put("relativePath", null);
        meta.put("caption", "holiday");
        JsonPath created = uppy.create(filename, "application/octet-stream", meta)
                .then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
        String id = created.getString("uploadId");
        String key = created.getString("key");
        assertTrue(key.endsWith(".bin") && key.contains(id), key);

        // URLs sign no length (Uppy sends no size) and carry no checksum parameters.
        JsonPath signed = uppy.sign(id, key, 1).then().statusCode(200).extract().jsonPath();
        String url = signed.getString("url");
        assertFalse(url.toLowerCase().contains("x-amz-checksum"), url);
        assertFalse(url.toLowerCase().contains("x-amz-sdk-checksum-algorithm"), url);
        assertTrue(url.contains("X-Amz-SignedHeaders=host&") || url.endsWith("X-Amz-SignedHeaders=host"), url);
        assertTrue(signed.getLong("expires") > 60, "expires is a lifetime in seconds");

        byte[] file = Bytes.random(5 * MIB + 1234, 7);
        String etag1 = uppy.put(id, key, 1, Arrays.copyOfRange(file, 0, 5 * MIB));
        JsonPath batch = uppy.batch(id, key, "2,3").then().statusCode(200).extract().jsonPath();
        String url2 = batch.getString("presignedUrls.'2'");
        assertFalse(url2.toLowerCase().contains("checksum"), url2);
        Gateway.S3Answer put2 = Gateway.put(new Gateway.PresignedUrl(url2, "PUT", Map.of()), Arrays.copyOfRange(file, 5 * MIB, file.length));
        assertEquals(200, put2.status());

        // listParts (resume) answers every part storage holds.
        uppy.list(id, key).then().statusCode(200).body("", hasSize(2))
                .body("[0].PartNumber", equalTo(1)).body("[0].Size", equalTo(5 * MIB))
                .body("[1].PartNumber", equalTo(2)).body("[1].Size", equalTo(1234));

        // One ETag quoted, one bare: both are accepted.
        String bare2 = put2.etag().replace("\"", "");
        uppy.complete(id, key, List.of(Map.of("PartNumber", 1, "ETag", etag1), Map.of("PartNumber", 2, "ETag", bare2)))
                .then().statusCode(200).body("key", equalTo(key)).body("location", equalTo("/api/v1/uploads/" + id));
        assertEquals(Bytes.sha256(file), Bytes.sha256(object(key)));

        // The same ledger: the native API shows it, with its size now known.
        Gateway.withToken(Tokens.forUser("uppy-ann")).get(id).then().statusCode(200)
                .body("state", equalTo("COMPLETED")).body("size", equalTo(file.length))
                .body("metadata.caption", equalTo("holiday")).body("metadata.relativePath", nullValue())
                .body("metadata.name", nullValue()).body("partCount", nullValue());
        // Completing again is the same answer.
        uppy.complete(id, key, List.of(Map.of("PartNumber", 1, "ETag", etag1), Map.of("PartNumber", 2, "ETag", bare2)))
                .then().statusCode(200).body("key", equalTo(key));
    }

    @Test
    void aSizeInTheMetadataPlansThePartsAndSignsTheirLengths() {
        Companion uppy = Companion.as("uppy-sized");
        byte[] file = Bytes.random(5 * MIB + 10, 9);
        JsonPath created = uppy.create("sized.bin", "application/octet-stream", Map.of("size", file.length))
                .then().statusCode(200).extract().jsonPath();
        String id = created.getString("uploadId");
        String key = created.getString("key");
        String url = uppy.sign(id, key, 1).then().statusCode(200).extract().path("url");
        assertTrue(url.contains("content-length"), "a planned part's length is signed: " + url);
        uppy.sign(id, key, 3).then().statusCode(400).contentType("application/problem+json");
        String e1 = uppy.put(id, key, 1, Arrays.copyOfRange(file, 0, 5 * MIB));
        String e2 = uppy.put(id, key, 2, Arrays.copyOfRange(file, 5 * MIB, file.length));
        uppy.complete(id, key, List.of(Map.of("PartNumber", 1, "ETag", e1), Map.of("PartNumber", 2, "ETag", e2)))
                .then().statusCode(200);
        assertEquals(Bytes.sha256(file), Bytes.sha256(object(key)));
    }

    @Test
    void someoneElsesUploadAndAnotherKeyAreNotFound() {
        Companion owner = Companion.as("uppy-owner");
        JsonPath created = owner.create("mine.bin", "application/octet-stream", null).then().statusCode(200).extract().jsonPath();
        String id = created.getString("uploadId");
        String key = created.getString("key");
        String etag = owner.put(id, key, 1, Bytes.random(1000, 3));
        List<Map<String, Object>> parts = List.of(Map.of("PartNumber", 1, "ETag", etag));

        Companion stranger = Companion.as("uppy-stranger");
        stranger.sign(id, key, 1).then().statusCode(404).contentType("application/problem+json").body("code", equalTo("not_found"));
        stranger.batch(id, key, "1").then().statusCode(404);
        stranger.list(id, key).then().statusCode(404);
        stranger.complete(id, key, parts).then().statusCode(404);
        stranger.abort(id, key).then().statusCode(404);

        String other = key.replace("mine.bin", "yours.bin");
        owner.sign(id, other, 1).then().statusCode(404).contentType("application/problem+json").body("code", equalTo("not_found"));
        owner.batch(id, other, "1").then().statusCode(404);
        owner.list(id, other).then().statusCode(404);
        owner.complete(id, other, parts).then().statusCode(404);
        owner.abort(id, other).then().statusCode(404);
        owner.sign("not-an-id", key, 1).then().statusCode(404);
        owner.sign("00000000-0000-0000-0000-000000000000", key, 1).then().statusCode(404);

        // Nothing of that changed the upload.
        owner.complete(id, key, parts).then().statusCode(200);
    }

    @Test
    void anOpenSizedUploadOverTheMaximumIsAbortedAtCompletion() {
        Companion uppy = Companion.as("uppy-big");
        JsonPath created = uppy.create("big.bin", "application/octet-stream", null).then().statusCode(200).extract().jsonPath();
        String id = created.getString("uploadId");
        String key = created.getString("key");
        byte[] part = Bytes.random(5 * MIB, 4);
        String e1 = uppy.put(id, key, 1, part);
        String e2 = uppy.put(id, key, 2, part);
        String e3 = uppy.put(id, key, 3, Arrays.copyOf(part, 3 * MIB)); // 13 MiB in all: over 12 MiB

        uppy.complete(id, key, List.of(Map.of("PartNumber", 1, "ETag", e1), Map.of("PartNumber", 2, "ETag", e2),
                        Map.of("PartNumber", 3, "ETag", e3)))
                .then().statusCode(413).contentType("application/problem+json").body("code", equalTo("too_large"))
                .body("size", equalTo(13 * MIB));
        assertTrue(multipartUploadsUnder(key).isEmpty(), "the parts are gone from storage");
        assertThrows(CompletionException.class, () -> object(key));
        Gateway.withToken(Tokens.forUser("uppy-big")).get(id).then().body("state", equalTo("ABORTED"));
        uppy.sign(id, key, 4).then().statusCode(409).body("code", equalTo("upload_not_active"));
    }

    @Test
    void cancelRemovesTheMultipartUpload() {
        Companion uppy = Companion.as("uppy-cancel");
        JsonPath created = uppy.create("gone.bin", "application/octet-stream", null).then().statusCode(200).extract().jsonPath();
        String id = created.getString("uploadId");
        String key = created.getString("key");
        uppy.put(id, key, 1, Bytes.random(5 * MIB, 5));
        assertEquals(1, multipartUploadsUnder(key).size());

        uppy.abort(id, key).then().statusCode(200).body(equalTo("{}"));
        assertTrue(multipartUploadsUnder(key).isEmpty());
        uppy.abort(id, key).then().statusCode(200); // idempotent
        Gateway.withToken(Tokens.forUser("uppy-cancel")).get(id).then().body("state", equalTo("ABORTED"));
    }

    @Test
    void badInputIsA400ProblemAndEmptyCompletionIsRefused() {
        Companion uppy = Companion.as("uppy-bad");
        uppy.call().contentType(ContentType.JSON).body("{}").post("/s3/multipart")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("invalid_request"));
        uppy.call().contentType(ContentType.JSON).body("not json").post("/s3/multipart").then().statusCode(400);
        uppy.create("x.bin", "application/octet-stream", Map.of("nested", Map.of("a", 1))).then().statusCode(400);
        uppy.create("x.bin", "application/octet-stream", Map.of("size", "many")).then().statusCode(400);

        JsonPath created = uppy.create("x.bin", "application/octet-stream", null).then().statusCode(200).extract().jsonPath();
        String id = created.getString("uploadId");
        String key = created.getString("key");
        uppy.call().get("/s3/multipart/" + id + "/1").then().statusCode(400).body("code", equalTo("invalid_request"));
        uppy.sign(id, key, 0).then().statusCode(400);
        uppy.sign(id, key, 10_001).then().statusCode(400);
        uppy.call().get("/s3/multipart/" + id + "/x?key=" + Companion.form(key)).then().statusCode(400);
        uppy.batch(id, key, "1,a").then().statusCode(400);
        uppy.call().get("/s3/multipart/" + id + "/batch?key=" + Companion.form(key)).then().statusCode(400);

        uppy.call().contentType(ContentType.JSON).body("{}").post("/s3/multipart/" + id + "/complete?key=" + Companion.form(key))
                .then().statusCode(400).contentType("application/problem+json");
        uppy.complete(id, key, List.of()).then().statusCode(400);
        uppy.complete(id, key, List.of(Map.of("PartNumber", "one", "ETag", "\"abc\""))).then().statusCode(400);
        uppy.complete(id, key, List.of(Map.of("PartNumber", 1))).then().statusCode(400);
        uppy.complete(id, key, List.of(Map.of("PartNumber", 1, "ETag", "\"0123456789abcdef0123456789abcdef\""),
                Map.of("PartNumber", 1, "ETag", "\"0123456789abcdef0123456789abcdef\""))).then().statusCode(400);
        // A part storage does not hold: 409 parts_missing, and the upload stays open.
        uppy.complete(id, key, List.of(Map.of("PartNumber", 1, "ETag", "0123456789abcdef0123456789abcdef")))
                .then().statusCode(409).body("code", equalTo("parts_missing")).body("missingParts", equalTo(List.of(1)));
        String etag = uppy.put(id, key, 1, Bytes.random(10, 1));
        uppy.complete(id, key, List.of(Map.of("PartNumber", 1, "ETag", "ffffffffffffffffffffffffffffffff")))
                .then().statusCode(409).body("code", equalTo("part_mismatch"));
        uppy.complete(id, key, List.of(Map.of("PartNumber", 1, "ETag", etag))).then().statusCode(200);
    }

    @Test
    void theCookieAuthenticatesSameOriginCallsOnly() {
        String token = Tokens.forUser("uppy-cookie");
        String setCookie = given().auth().oauth2(token).post("/s3/session").then().statusCode(204)
                .extract().header("Set-Cookie");
        assertTrue(setCookie.startsWith(Companion.COOKIE + "=" + token), setCookie);
        for (String attribute : List.of("Path=/;", "HttpOnly", "Secure", "SameSite=Strict", "Max-Age=")) {
            assertTrue(setCookie.contains(attribute), setCookie + " lacks " + attribute);
        }
        assertFalse(setCookie.toLowerCase(java.util.Locale.ROOT).contains("domain="), "a __Host- cookie names no Domain: " + setCookie);
        String host = "localhost:" + io.restassured.RestAssured.port;
        Map<String, Object> body = Map.of("filename", "c.bin", "type", "application/octet-stream");

        JsonPath created = given().cookie(Companion.COOKIE, token).header("Origin", "http://" + host)
                .header("Sec-Fetch-Site", "same-origin").contentType(ContentType.JSON).body(body)
                .post("/s3/multipart").then().statusCode(200).extract().jsonPath();
        String partUrl = "/s3/multipart/" + created.getString("uploadId") + "/1?key=" + Companion.form(created.getString("key"));
        given().cookie(Companion.COOKIE, token).header("Sec-Fetch-Site", "same-origin").urlEncodingEnabled(false).get(partUrl)
                .then().statusCode(200);

        given().cookie(Companion.COOKIE, token).header("Origin", "https://evil.example").contentType(ContentType.JSON).body(body)
                .post("/s3/multipart").then().statusCode(403).contentType("application/problem+json")
                .body("code", equalTo("cross_site_request"));
        given().cookie(Companion.COOKIE, token).header("Sec-Fetch-Site", "cross-site").contentType(ContentType.JSON).body(body)
                .post("/s3/multipart").then().statusCode(403).body("code", equalTo("cross_site_request"));
        given().cookie(Companion.COOKIE, token).header("Origin", "https://evil.example").urlEncodingEnabled(false)
                .delete("/s3/multipart/" + created.getString("uploadId") + "?key=" + Companion.form(created.getString("key")))
                .then().statusCode(403);
        // GETs change things too (a part URL may raise a reservation): same-origin only as well.
        given().cookie(Companion.COOKIE, token).header("Sec-Fetch-Site", "same-site").urlEncodingEnabled(false).get(partUrl)
                .then().statusCode(403).body("code", equalTo("cross_site_request"));
        // No cookie, no header: 401. A bad cookie: 401.
        given().contentType(ContentType.JSON).body(body).post("/s3/multipart").then().statusCode(401);
        given().cookie(Companion.COOKIE, "nonsense").contentType(ContentType.JSON).body(body).post("/s3/multipart")
                .then().statusCode(401);
        // A cookie under another name, as a sibling subdomain could plant for the whole domain, is no session.
        given().cookie("gateway_token", token).contentType(ContentType.JSON).body(body).post("/s3/multipart").then().statusCode(401);
        // The cookie is only for /s3: the native API ignores it.
        given().cookie(Companion.COOKIE, token).get("/api/v1/uploads").then().statusCode(401);
        given().cookie(Companion.COOKIE, token).header("Origin", "http://" + host).delete("/s3/session").then().statusCode(204)
                .header("Set-Cookie", containsString("Max-Age=0"));
    }

    /**
     * A page on a sibling subdomain is the same site: the browser sends it the cookie. Whatever way
     * the path is spelled for the router, a call it makes with the cookie is refused.
     */
    @Test
    void aSiblingPageCannotReachAnS3RouteByAnotherSpellingOfItsPath() {
        String token = Tokens.forUser("uppy-sibling");
        for (String path : List.of("/s3/params", "/s3/%70arams", "/s3/%70%61rams", "/s3/params;x=1", "/s3//params",
                "/s3/./params", "/s3/x/../params", "/s3/multipart", "/s3/%6dultipart")) {
            var answer = given().cookie(Companion.COOKIE, token).header("Sec-Fetch-Site", "same-site")
                    .header("Origin", "https://evil.example.com").urlEncodingEnabled(false)
                    .get(path + "?filename=a.png&type=image%2Fpng");
            assertTrue(answer.statusCode() == 403 || answer.statusCode() == 404 || answer.statusCode() == 405,
                    path + ": " + answer.statusCode() + " " + answer.asString());
            if (answer.statusCode() == 403) {
                answer.then().body("code", equalTo("cross_site_request"));
            }
        }
        Gateway.withToken(token).api().get("/api/v1/uploads").then().statusCode(200).body("items", hasSize(0));
    }

    @Test
    void openSizedUploadsAreListedCountedAndExpiredLikeAnyOther() throws Throwable {
        String owner = "uppy-idle-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Companion uppy = Companion.as(owner);
        JsonPath created = uppy.create("idle.bin", "application/octet-stream", null).then().statusCode(200).extract().jsonPath();
        String id = created.getString("uploadId");
        String key = created.getString("key");
        uppy.put(id, key, 1, Bytes.random(5 * MIB, 6));
        uppy.list(id, key).then().statusCode(200).body("", hasSize(1)); // the ledger learns the part

        Gateway admin = Gateway.withToken(Tokens.forAdmin("uppy-operator"));
        try {
            TestClock.advance(Duration.ofHours(2));
            admin.api().queryParams(Map.of("stalled", true, "owner", owner)).get("/api/v1/admin/uploads").then().statusCode(200)
                    .body("items", hasSize(1)).body("items[0].id", equalTo(id)).body("items[0].size", nullValue())
                    .body("items[0].partCount", nullValue()).body("items[0].bytesUploaded", equalTo(5 * MIB));
            // Quotas count an open-sized upload by what its part URLs allow: 5 GiB each, at most the 12 MiB maximum.
            admin.api().get("/api/v1/admin/quotas/" + owner).then().statusCode(200)
                    .body("bytesInFlight", equalTo(12 * MIB)).body("activeUploads", equalTo(1));

            TestClock.advance(Duration.ofDays(8));
            assertTrue(VertxContextSupport.subscribeAndAwait(() -> janitor.sweep()).expired().contains(id));
            Gateway.withToken(Tokens.forUser(owner)).get(id).then().body("state", equalTo("EXPIRED"));
            assertTrue(multipartUploadsUnder(key).isEmpty());
        } finally {
            TestClock.reset();
        }
    }

    @Test
    void anUploadHoldingMoreThanItReservedIsCompletedOnlyWithinTheOwnersBytesQuota() throws Exception {
        // Open-sized uploads from before reservations hold less than their parts: completion raises
        // the reservation within the owner's quota, and refuses the upload beyond it.
        String owner = "uppy-quota-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Companion uppy = Companion.as(owner);
        JsonPath fits = uppy.create("fits.bin", "application/octet-stream", null).then().statusCode(200).extract().jsonPath();
        JsonPath over = uppy.create("over.bin", "application/octet-stream", null).then().statusCode(200).extract().jsonPath();
        String f1 = uppy.put(fits.getString("uploadId"), fits.getString("key"), 1, Bytes.random(5 * MIB, 7));
        String f2 = uppy.put(fits.getString("uploadId"), fits.getString("key"), 2, Bytes.random(2 * MIB, 8));
        String o1 = uppy.put(over.getString("uploadId"), over.getString("key"), 1, Bytes.random(5 * MIB, 9));
        reserveNothing(fits.getString("uploadId"));
        reserveNothing(over.getString("uploadId"));
        Gateway.withToken(Tokens.forAdmin("uppy-operator")).api().body(Map.of("maxBytesInFlight", 20 * MIB))
                .put("/api/v1/admin/quotas/" + owner).then().statusCode(200);

        // 7 MiB fit in the 20 MiB quota: completed.
        uppy.complete(fits.getString("uploadId"), fits.getString("key"), List.of(Map.of("PartNumber", 1, "ETag", f1),
                Map.of("PartNumber", 2, "ETag", f2))).then().statusCode(200);
        // Then 16 MiB are held elsewhere (12 MiB by another open-sized upload's part URL, 4 MiB planned):
        // the second's 5 MiB do not fit.
        JsonPath other = uppy.create("other.bin", "application/octet-stream", null).then().statusCode(200).extract().jsonPath();
        uppy.sign(other.getString("uploadId"), other.getString("key"), 1).then().statusCode(200);
        Gateway.withToken(Tokens.forUser(owner)).api().body(Map.of("filename", "planned.bin", "size", 4 * MIB))
                .post("/api/v1/uploads").then().statusCode(201);
        uppy.complete(over.getString("uploadId"), over.getString("key"), List.of(Map.of("PartNumber", 1, "ETag", o1)))
                .then().statusCode(413).body("code", equalTo("too_large")).body("detail", containsString("quota"));
        assertTrue(multipartUploadsUnder(over.getString("key")).isEmpty());
        Gateway.withToken(Tokens.forUser(owner)).get(over.getString("uploadId")).then().body("state", equalTo("ABORTED"));
        Gateway.withToken(Tokens.forUser(owner)).get(fits.getString("uploadId")).then().body("state", equalTo("COMPLETED"));
    }

    /** As a row written before reservations existed: it holds nothing of its owner's quota. */
    private static void reserveNothing(String uploadId) throws java.sql.SQLException {
        try (var db = io.uploadgateway.support.Ledger.connect();
             var update = db.prepareStatement("update uploads set reserved_bytes = 0 where id = ?::uuid")) {
            update.setString(1, uploadId);
            assertEquals(1, update.executeUpdate());
        }
    }

    @Test
    void anOpenSizedUploadReservesWhatItsPartUrlsAllowAgainstTheBytesQuota() {
        // Each signed part URL allows up to 5 GiB; an upload never needs more than the gateway's 12 MiB.
        String owner = "uppy-reserve-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Gateway admin = Gateway.withToken(Tokens.forAdmin("uppy-operator"));
        admin.api().body(Map.of("maxBytesInFlight", 20 * MIB)).put("/api/v1/admin/quotas/" + owner).then().statusCode(200);
        Companion uppy = Companion.as(owner);
        JsonPath first = uppy.create("a.bin", "application/octet-stream", null).then().statusCode(200).extract().jsonPath();
        JsonPath second = uppy.create("b.bin", "application/octet-stream", null).then().statusCode(200).extract().jsonPath();
        admin.api().get("/api/v1/admin/quotas/" + owner).then().body("bytesInFlight", equalTo(0));

        uppy.sign(first.getString("uploadId"), first.getString("key"), 1).then().statusCode(200);
        admin.api().get("/api/v1/admin/quotas/" + owner).then().body("bytesInFlight", equalTo(12 * MIB));
        // The second upload's first URL would reserve 12 MiB more: over the 20 MiB quota, nothing is signed.
        uppy.sign(second.getString("uploadId"), second.getString("key"), 1).then().statusCode(429)
                .contentType("application/problem+json").body("code", equalTo("quota_exceeded"))
                .body("quota", equalTo("maxBytesInFlight"));
        uppy.batch(second.getString("uploadId"), second.getString("key"), "1,2").then().statusCode(429);
        admin.api().get("/api/v1/admin/quotas/" + owner).then().body("bytesInFlight", equalTo(12 * MIB));
        // More part numbers than an upload within 12 MiB can have (5 MiB each but the last) are refused.
        uppy.sign(first.getString("uploadId"), first.getString("key"), 3).then().statusCode(200);
        uppy.sign(first.getString("uploadId"), first.getString("key"), 4).then().statusCode(400)
                .body("code", equalTo("invalid_request"));
        // Ending the first frees its reservation.
        uppy.abort(first.getString("uploadId"), first.getString("key")).then().statusCode(200);
        uppy.sign(second.getString("uploadId"), second.getString("key"), 1).then().statusCode(200);
    }

    @Test
    void anOpenSizedUploadThatGrewPastTheLimitIsEndedByTheJanitor() throws Throwable {
        String owner = "uppy-grown-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Companion uppy = Companion.as(owner);
        JsonPath created = uppy.create("grown.bin", "application/octet-stream", null).then().statusCode(200).extract().jsonPath();
        String id = created.getString("uploadId");
        String key = created.getString("key");
        byte[] part = Bytes.random(5 * MIB, 9);
        uppy.put(id, key, 1, part);
        uppy.put(id, key, 2, part);
        uppy.put(id, key, 3, Arrays.copyOf(part, 3 * MIB)); // 13 MiB in S3, over the 12 MiB it may hold
        // Nobody completes it; the janitor's next sweep looks at what it holds.
        VertxContextSupport.subscribeAndAwait(() -> janitor.sweep());
        Gateway.withToken(Tokens.forUser(owner)).get(id).then().statusCode(200).body("state", equalTo("ABORTED"));
        assertTrue(multipartUploadsUnder(key).isEmpty(), "its parts are gone from storage");
        uppy.sign(id, key, 1).then().statusCode(409).body("code", equalTo("upload_not_active"));
    }

    private byte[] object(String key) {
        return s3.getObject(r -> r.bucket(TestStack.BUCKET).key(key), AsyncResponseTransformer.toBytes()).join().asByteArray();
    }

    private List<?> multipartUploadsUnder(String key) {
        return s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(key)).join().uploads();
    }
}
