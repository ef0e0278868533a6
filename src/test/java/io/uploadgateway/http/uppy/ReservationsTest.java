package io.uploadgateway.http.uppy;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Uploads that do not declare their size hold a reservation of the owner's bytes quota while in
 * flight: what their URLs or forms allow, never the owner's whole remaining quota. (The gateway's
 * maximum is the default here, so an open-sized part URL reserves the 5 GiB it allows.)
 */
@QuarkusTest
@WithTestResource(TestStack.class)
class ReservationsTest {

    private static final long MIB = 1024 * 1024;
    private static final long GIB = 1024 * MIB;

    @Test
    void openSizedPartUrlsStopAtTheOwnersBytesQuota() {
        String owner = "reserve-open-" + UUID.randomUUID().toString().substring(0, 8);
        Gateway admin = Gateway.withToken(Tokens.forAdmin("reserve-operator"));
        admin.api().body(Map.of("maxBytesInFlight", 11 * GIB)).put("/api/v1/admin/quotas/" + owner).then().statusCode(200);
        Companion uppy = Companion.as(owner);
        JsonPath created = uppy.create("huge.bin", "application/octet-stream", null).then().statusCode(200).extract().jsonPath();
        String id = created.getString("uploadId");
        String key = created.getString("key");

        uppy.sign(id, key, 1).then().statusCode(200);
        uppy.batch(id, key, "1,2").then().statusCode(200);
        admin.api().get("/api/v1/admin/quotas/" + owner).then().body("bytesInFlight", equalTo(10 * GIB));
        // A third 5 GiB part would put 15 GiB in flight, over the 11 GiB quota.
        uppy.sign(id, key, 3).then().statusCode(429).contentType("application/problem+json")
                .body("code", equalTo("quota_exceeded")).body("limit", equalTo(11 * GIB));
        uppy.batch(id, key, "2,3").then().statusCode(429);
        // Re-signing parts it already holds a reservation for goes on working.
        uppy.sign(id, key, 2).then().statusCode(200);
        // The reservation counts against every other upload of the owner.
        Gateway.withToken(Tokens.forUser(owner)).api().body(Map.of("filename", "more.bin", "size", 2 * GIB))
                .post("/api/v1/uploads").then().statusCode(429).body("code", equalTo("quota_exceeded"));
        admin.api().get("/api/v1/admin/quotas/" + owner).then().body("bytesInFlight", equalTo(10 * GIB));
    }

    @Test
    void eachFormReservesItsOwnMaximumNotTheWholeRemainingQuota() {
        String owner = "reserve-form-" + UUID.randomUUID().toString().substring(0, 8);
        Gateway admin = Gateway.withToken(Tokens.forAdmin("reserve-operator"));
        admin.api().body(Map.of("maxBytesInFlight", 150 * MIB)).put("/api/v1/admin/quotas/" + owner).then().statusCode(200);
        Companion uppy = Companion.as(owner);

        // A form for a file of unknown size reserves the single-request maximum (100 MiB by default).
        JsonPath first = uppy.params("a.jpg", "image/jpeg", Map.of()).then().statusCode(200).extract().jsonPath();
        assertTrue(policy(first).contains("[\"content-length-range\",0," + 100 * MIB + "]"), policy(first));
        admin.api().get("/api/v1/admin/quotas/" + owner).then().body("bytesInFlight", equalTo((int) (100 * MIB)));
        // The next gets what is left, and then there is nothing left.
        JsonPath second = uppy.params("b.jpg", "image/jpeg", Map.of()).then().statusCode(200).extract().jsonPath();
        assertTrue(policy(second).contains("[\"content-length-range\",0," + 50 * MIB + "]"), policy(second));
        uppy.params("c.jpg", "image/jpeg", Map.of()).then().statusCode(429).body("code", equalTo("quota_exceeded"));
        // A size the app declares reserves exactly that.
        uppy.abort(second.getString("uploadId"), second.getString("key")).then().statusCode(200);
        JsonPath sized = uppy.params("d.jpg", "image/jpeg", Map.of("size", 2 * MIB)).then().statusCode(200).extract().jsonPath();
        assertTrue(policy(sized).contains("[\"content-length-range\",0," + 2 * MIB + "]"), policy(sized));
        admin.api().get("/api/v1/admin/quotas/" + owner).then().body("bytesInFlight", equalTo((int) (102 * MIB)));
    }

    private static String policy(JsonPath params) {
        return new String(Base64.getDecoder().decode(params.getString("fields.Policy")), StandardCharsets.UTF_8);
    }
}
