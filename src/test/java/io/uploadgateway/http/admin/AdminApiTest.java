package io.uploadgateway.http.admin;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.TestClock;
import io.uploadgateway.support.Tokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operators' view: stalled uploads with every filter, stats, and aborting anyone's upload. */
@QuarkusTest
@WithTestResource(TestStack.class)
class AdminApiTest {

    private final Gateway admin = Gateway.withToken(Tokens.forAdmin("ops"));

    @AfterEach
    void resetClock() {
        TestClock.reset();
    }

    @Test
    void nonAdminsAreForbiddenAndStrangersUnauthorized() {
        Gateway user = Gateway.as("regular-user");
        for (String path : List.of("/api/v1/admin/uploads", "/api/v1/admin/stats")) {
            user.api().get(path).then().statusCode(403).contentType("application/problem+json").body("code", equalTo("forbidden"));
            io.restassured.RestAssured.given().get(path).then().statusCode(401).body("code", equalTo("unauthorized"));
        }
        user.api().post("/api/v1/admin/uploads/" + UUID.randomUUID() + "/abort").then().statusCode(403);
    }

    @Test
    void stalledListingHonoursEveryFilter() {
        String owner = "stall-" + UUID.randomUUID();
        Gateway client = Gateway.as(owner);
        String idle = client.start("idle.bin", 100, null).getString("id");
        String done = client.start("done.bin", 10, null).getString("id");
        client.uploadPart(done, 1, new byte[10]);
        client.complete(done).then().statusCode(200);

        TestClock.advance(Duration.ofMinutes(90)); // past the default stalled-after of PT1H
        String fresh = client.start("fresh.bin", 100, null).getString("id");
        client.uploadPart(fresh, 1, new byte[100]);

        // stalled=true: UPLOADING and idle > 1 h. Only 'idle' qualifies among this owner's uploads.
        JsonPath stalled = admin.api().queryParams(Map.of("stalled", true, "owner", owner)).get("/api/v1/admin/uploads")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(idle), stalled.getList("items.id"));
        assertEquals(owner, stalled.getString("items[0].owner"));
        assertEquals("idle.bin", stalled.getString("items[0].filename"));
        assertEquals(0, stalled.getInt("items[0].partsUploaded"));
        assertEquals(1, stalled.getInt("items[0].partCount"));
        assertEquals(0, stalled.getInt("items[0].bytesUploaded"));
        assertTrue(stalled.getLong("items[0].idleSeconds") >= 90 * 60 - 5, "idleSeconds " + stalled.getLong("items[0].idleSeconds"));
        assertTrue(Instant.parse(stalled.getString("items[0].expiresAt")).isAfter(Instant.parse(stalled.getString("items[0].lastActivityAt"))));

        // Without an owner filter the stalled upload is among everyone's, and every item is UPLOADING.
        admin.api().queryParam("stalled", true).queryParam("limit", 500).get("/api/v1/admin/uploads").then().statusCode(200)
                .body("items.id", hasItem(idle)).body("items.id", not(hasItem(fresh)))
                .body("items.state.unique()", equalTo(List.of("UPLOADING")));

        // Presigning is activity: a stalled upload whose client asks for URLs is no longer stalled.
        String reviver = owner + "-revived";
        Gateway revivingClient = Gateway.as(reviver);
        String revived = revivingClient.start("revived.bin", 100, null).getString("id");
        TestClock.advance(Duration.ofMinutes(90));
        admin.api().queryParams(Map.of("stalled", true, "owner", reviver)).get("/api/v1/admin/uploads")
                .then().statusCode(200).body("items.id", hasItem(revived));
        revivingClient.presignResponse(revived, List.of(1), null).then().statusCode(200);
        admin.api().queryParams(Map.of("stalled", true, "owner", reviver)).get("/api/v1/admin/uploads")
                .then().statusCode(200).body("items.id", not(hasItem(revived)));
        TestClock.advance(Duration.ofMinutes(-90));

        // idleLongerThan overrides the threshold: 2 h excludes everything of this owner, 1 min includes both idle ones.
        admin.api().queryParams(Map.of("stalled", true, "owner", owner, "idleLongerThan", "PT2H")).get("/api/v1/admin/uploads")
                .then().statusCode(200).body("items.size()", equalTo(0));
        admin.api().queryParams(Map.of("owner", owner, "idleLongerThan", "PT1M")).get("/api/v1/admin/uploads")
                .then().statusCode(200).body("items.id", equalTo(List.of(idle, done)));

        // state filter and the plain owner view (most idle first).
        admin.api().queryParams(Map.of("owner", owner, "state", "COMPLETED")).get("/api/v1/admin/uploads")
                .then().statusCode(200).body("items.id", equalTo(List.of(done)));
        admin.api().queryParam("owner", owner).get("/api/v1/admin/uploads")
                .then().statusCode(200).body("items.id", equalTo(List.of(idle, done, fresh)))
                .body("items[2].partsUploaded", equalTo(1)).body("items[2].bytesUploaded", equalTo(100));
    }

    @Test
    void listingPagesWithACursor() {
        String owner = "pager-" + UUID.randomUUID();
        Gateway client = Gateway.as(owner);
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            created.add(client.start("p" + i + ".bin", 10, null).getString("id"));
        }
        List<String> seen = allPages(Map.of("owner", owner), 2);
        assertEquals(created, seen);
    }

    @Test
    void badFiltersAre400() {
        for (Map<String, Object> params : List.<Map<String, Object>>of(Map.of("stalled", "yes"), Map.of("idleLongerThan", "1h"),
                Map.of("idleLongerThan", "-PT1H"), Map.of("limit", 501), Map.of("limit", 0), Map.of("state", "LOST"),
                Map.of("cursor", "%%%"), Map.of("stalled", true, "state", "COMPLETED"))) {
            admin.api().queryParams(params).get("/api/v1/admin/uploads").then().statusCode(400)
                    .contentType("application/problem+json").body("code", equalTo("invalid_request"));
        }
    }

    @Test
    void adminAbortsAnyonesUploadIdempotently() {
        Gateway owner = Gateway.as("victim-" + UUID.randomUUID());
        String id = owner.start("abandoned.bin", 100, null).getString("id");
        for (int i = 0; i < 2; i++) {
            admin.api().post("/api/v1/admin/uploads/" + id + "/abort").then().statusCode(200).body("state", equalTo("ABORTED"));
        }
        owner.get(id).then().body("state", equalTo("ABORTED"));
        admin.api().post("/api/v1/admin/uploads/" + UUID.randomUUID() + "/abort").then().statusCode(404);
        admin.api().post("/api/v1/admin/uploads/nope/abort").then().statusCode(404);
    }

    @Test
    void statsCountStatesStalledAndBytesInFlight() {
        JsonPath before = admin.api().get("/api/v1/admin/stats").then().statusCode(200).extract().jsonPath();
        Gateway client = Gateway.as("stats-" + UUID.randomUUID());
        String id = client.start("s.bin", 6L * 1024 * 1024, 5L * 1024 * 1024).getString("id");
        client.uploadPart(id, 2, new byte[1024 * 1024]);
        String aborted = client.start("a.bin", 10, null).getString("id");
        client.abort(aborted).then().statusCode(204);

        JsonPath after = admin.api().get("/api/v1/admin/stats").then().statusCode(200).extract().jsonPath();
        assertEquals(before.getLong("byState.UPLOADING") + 1, after.getLong("byState.UPLOADING"));
        assertEquals(before.getLong("byState.ABORTED") + 1, after.getLong("byState.ABORTED"));
        assertEquals(before.getLong("bytesInFlight") + 1024 * 1024, after.getLong("bytesInFlight"));
        // Ended states count the last 24 hours (docs/api.md): the window's start is in the answer.
        Instant endedSince = Instant.parse(after.getString("endedSince"));
        assertTrue(Duration.between(endedSince, Instant.now()).compareTo(Duration.ofHours(23)) > 0, endedSince.toString());
        assertTrue(Duration.between(endedSince, Instant.now()).compareTo(Duration.ofHours(25)) < 0, endedSince.toString());

        TestClock.advance(Duration.ofHours(2));
        JsonPath later = admin.api().get("/api/v1/admin/stats").then().statusCode(200)
                .body("stalled", greaterThanOrEqualTo(1)).extract().jsonPath();
        // The count agrees with the stalled listing, and our upload is among them.
        List<String> stalledIds = allPages(Map.of("stalled", true), 500);
        assertEquals(stalledIds.size(), later.getLong("stalled"));
        assertTrue(stalledIds.contains(id));
        assertTrue(Instant.parse(later.getString("oldestStalledAt")).isBefore(Instant.now()));
    }

    /** Follows nextCursor through every page of the admin listing and returns the ids in order. */
    private List<String> allPages(Map<String, Object> filters, int limit) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var request = admin.api().queryParams(filters).queryParam("limit", limit);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            JsonPath page = request.get("/api/v1/admin/uploads").then().statusCode(200).extract().jsonPath();
            ids.addAll(page.getList("items.id"));
            cursor = page.getString("nextCursor");
        } while (cursor != null && ++pages < 1000);
        return ids;
    }
}
