package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Someone else's upload is answered exactly like one that does not exist; listings are one's own. */
@QuarkusTest
@WithTestResource(TestStack.class)
class OwnershipAndListingTest {

    @Test
    void anotherOwnersUploadIsA404OnEveryRoute() {
        Gateway alice = Gateway.as("alice-" + UUID.randomUUID());
        Gateway mallory = Gateway.as("mallory");
        String id = alice.start("private.pdf", 100, null).getString("id");
        String missing = UUID.randomUUID().toString();

        for (String target : List.of(id, missing)) {
            mallory.get(target).then().statusCode(404).contentType("application/problem+json").body("code", equalTo("not_found"));
            mallory.sync(target).then().statusCode(404);
            mallory.presignResponse(target, List.of(1), null).then().statusCode(404).body("code", equalTo("not_found"));
            mallory.record(target, 1, "\"abc\"").then().statusCode(404);
            mallory.complete(target).then().statusCode(404);
            mallory.abort(target).then().statusCode(404);
            mallory.api().get("/api/v1/uploads/" + target + "/download").then().statusCode(404);
        }
        // Nothing mallory did touched alice's upload.
        alice.get(id).then().statusCode(200).body("state", equalTo("UPLOADING")).body("parts.size()", equalTo(0));
    }

    @Test
    void listingIsNewestFirstKeysetPaginatedAndFilteredByState() {
        Gateway owner = Gateway.as("lister-" + UUID.randomUUID());
        Gateway.as("someone-else").start("not-mine.bin", 10, null);
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            created.add(owner.start("file-" + i + ".bin", 10 + i, null).getString("id"));
        }
        owner.abort(created.get(1)).then().statusCode(204);

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var request = owner.api().queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            JsonPath page = request.get("/api/v1/uploads").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("items.id", String.class));
            cursor = page.getString("nextCursor");
            pages++;
        } while (cursor != null && pages < 10);

        assertEquals(List.of(created.get(4), created.get(3), created.get(2), created.get(1), created.get(0)), seen);
        assertEquals(3, pages);

        owner.api().queryParam("state", "ABORTED").get("/api/v1/uploads").then().statusCode(200)
                .body("items.id", equalTo(List.of(created.get(1)))).body("nextCursor", nullValue());
        owner.api().queryParam("state", "uploading").get("/api/v1/uploads").then().statusCode(200)
                .body("items.size()", equalTo(4));
    }

    @Test
    void listingRejectsBadParameters() {
        Gateway owner = Gateway.as("lister");
        for (Map<String, Object> params : List.<Map<String, Object>>of(
                Map.of("limit", 0), Map.of("limit", 1000), Map.of("limit", "ten"),
                Map.of("state", "DONE"), Map.of("cursor", "not-a-cursor!"))) {
            owner.api().queryParams(params).get("/api/v1/uploads").then().statusCode(400)
                    .contentType("application/problem+json").body("code", equalTo("invalid_request"));
        }
    }
}
