package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/**
 * The upload flow again, against the packaged production jar ({@code java -jar
 * target/quarkus-app/quarkus-run.jar}, prod profile) configured only through standard keys,
 * with PostgreSQL and S3Proxy running outside it.
 */
@QuarkusIntegrationTest
@WithTestResource(TestStack.class)
class PackagedAppIT extends UploadFlowTest {

    @Test
    void devTokenRouteDoesNotExistInProduction() {
        given().queryParam("user", "intruder").get("/dev/token").then()
                .statusCode(404).contentType("application/problem+json").body("code", equalTo("not_found"));
    }
}
