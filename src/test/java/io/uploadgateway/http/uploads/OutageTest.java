package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.support.Gateway;
import io.quarkus.test.common.ResourceArg;
import io.uploadgateway.embedded.EmbeddedStack;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.List;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

/** When S3 or PostgreSQL goes away, callers get a 503 problem (never a stack trace) and the ledger is untouched. */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = @ResourceArg(name = TestStack.OWN, value = "outage"))
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OutageTest {

    private static String uploadId;

    EmbeddedStack stack;

    @Test
    @Order(1)
    void storageOutageIs503AndChangesNothing() throws Exception {
        Gateway client = Gateway.as("ops");
        uploadId = client.start("before-outage.bin", 100, null).getString("id");
        client.uploadPart(uploadId, 1, new byte[100]);

        stack.stopS3();

        client.api().body("{\"filename\":\"during.bin\",\"size\":10}").post("/api/v1/uploads").then()
                .statusCode(503).contentType("application/problem+json")
                .header("Retry-After", equalTo("5"))
                .body("code", equalTo("storage_unavailable"))
                .body("detail", not(containsString("Exception")));
        client.complete(uploadId).then().statusCode(503).body("code", equalTo("storage_unavailable"));
        client.sync(uploadId).then().statusCode(503).body("code", equalTo("storage_unavailable"));
        client.abort(uploadId).then().statusCode(503).body("code", equalTo("storage_unavailable"));

        // The ledger still answers, unchanged by the failed calls; presigning needs no S3 round trip.
        client.get(uploadId).then().statusCode(200).body("state", equalTo("UPLOADING")).body("parts.size()", equalTo(1));
        client.presignResponse(uploadId, List.of(1), null).then().statusCode(200);
        client.api().get("/api/v1/uploads").then().statusCode(200).body("items.size()", equalTo(1));
    }

    @Test
    @Order(2)
    void databaseOutageIs503() throws Exception {
        stack.stopPostgres();
        Gateway client = Gateway.as("ops");
        client.get(uploadId).then().statusCode(503).contentType("application/problem+json")
                .body("code", equalTo("database_unavailable"));
        client.api().get("/api/v1/uploads").then().statusCode(503).body("code", equalTo("database_unavailable"));
        client.record(uploadId, 1, "\"abc\"").then().statusCode(503).body("code", equalTo("database_unavailable"));
    }
}
