package io.uploadgateway.http.uppy;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.upload.janitor.Janitor;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestClock;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import io.uploadgateway.upload.Upload;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A single-request upload ({@code /s3/params}) ends only through the checks every upload goes
 * through, whichever way it ends, and what was checked is what stays: the content policy here
 * allows images only, and the form is used for an executable, and used again after completion.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
@TestProfile(SingleRequestEndingsTest.ImagesOnly.class)
class SingleRequestEndingsTest {

    public static class ImagesOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.verify-content", "true", "gateway.allowed-content-types", "image/*");
        }
    }

    /** The start of an x86-64 ELF executable: what a "photo" that is really a program begins with. */
    static final byte[] ELF_HEAD = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0, 1, 0, 0, 0};
    static final byte[] PNG_HEAD = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R'};

    @Inject
    S3AsyncClient s3;

    @Inject
    Janitor janitor;

    @AfterEach
    void resetClock() {
        TestClock.reset();
    }

    @Test
    void anExecutableDeclaredAsPngIsRejectedOnSync() {
        Posted posted = postAs("sync", "a.png", padded(ELF_HEAD, 5000));
        posted.owner().api().get("/api/v1/uploads/" + posted.id() + "?sync=true").then().statusCode(422)
                .body("code", equalTo("content_mismatch")).body("declaredContentType", equalTo("image/png"));
        assertNeverServed(posted, "REJECTED");
    }

    @Test
    void anAbortedExecutableIsDeletedAndNeverCompleted() {
        Posted posted = postAs("abort", "b.png", padded(ELF_HEAD, 5000));
        posted.owner().abort(posted.id()).then().statusCode(204);
        assertNeverServed(posted, "ABORTED");
    }

    @Test
    void anExecutableCancelledThroughUppyIsDeletedAndNeverCompleted() {
        Posted posted = postAs("cancel", "c.png", padded(ELF_HEAD, 5000));
        Companion.as(posted.ownerName()).abort(posted.id(), posted.key()).then().statusCode(200);
        assertNeverServed(posted, "ABORTED");
    }

    @Test
    void anExecutableAnOperatorAbortsIsDeletedAndNeverCompleted() {
        Posted posted = postAs("admin", "d.png", padded(ELF_HEAD, 5000));
        Gateway.withToken(Tokens.forAdmin("endings-operator")).api().post("/api/v1/admin/uploads/" + posted.id() + "/abort")
                .then().statusCode(200).body("state", equalTo("ABORTED"));
        assertNeverServed(posted, "ABORTED");
    }

    @Test
    void anExecutableTheJanitorFindsIsRejectedNotCompleted() throws Throwable {
        Posted posted = postAs("janitor", "e.png", padded(ELF_HEAD, 5000));
        TestClock.advance(Duration.ofSeconds(posted.params().getLong("expires"))
                .plus(Upload.FORM_GRACE).plusMinutes(1));
        VertxContextSupport.subscribeAndAwait(() -> janitor.sweep());
        assertNeverServed(posted, "REJECTED");
    }

    @Test
    void aFormReplayedAfterCompletionDoesNotChangeWhatIsServed() throws Throwable {
        byte[] first = padded(PNG_HEAD, 40_000);
        Posted posted = postAs("replay", "photo.png", first);
        posted.owner().api().get("/api/v1/uploads/" + posted.id() + "?sync=true").then().statusCode(200)
                .body("state", equalTo("COMPLETED")).body("size", equalTo(first.length));
        String etag = posted.owner().get(posted.id()).then().extract().path("etag");
        assertEquals(Bytes.sha256(first), Bytes.sha256(download(posted)));

        // The same form, still within its policy's lifetime, carrying other bytes (a valid PNG too).
        byte[] second = padded(PNG_HEAD, 30_000);
        second[second.length - 1] ^= 0x55;
        assertTrue(CompanionParamsTest.post(posted.url(), posted.fields(), "photo.png", "image/png", second).status() / 100 == 2);

        assertEquals(Bytes.sha256(first), Bytes.sha256(download(posted)), "the download still serves the checked bytes");
        assertEquals(Bytes.sha256(first), Bytes.sha256(object(posted.key())), "the upload's object is unchanged");
        posted.owner().api().get("/api/v1/uploads/" + posted.id() + "?sync=true").then().statusCode(200)
                .body("state", equalTo("COMPLETED")).body("size", equalTo(first.length)).body("etag", equalTo(etag));
        // What the event announced is what is stored.
        JsonPath announced = JsonPath.from(Ledger.payloadOf(posted.id(), "upload.completed"));
        assertEquals(etag, announced.getString("data.etag"));
        assertEquals(first.length, announced.getInt("data.size"));
        assertEquals(etag, s3.headObject(r -> r.bucket(TestStack.BUCKET).key(posted.key())).join().eTag());
    }

    /** A form from /s3/params, and the file POSTed with it as a browser would. */
    record Posted(String ownerName, Gateway owner, JsonPath params, String id, String key, String url, Map<String, String> fields) {
    }

    private static Posted postAs(String who, String filename, byte[] file) {
        String ownerName = "endings-" + who + "-" + UUID.randomUUID().toString().substring(0, 8);
        JsonPath params = Companion.as(ownerName).params(filename, "image/png", Map.of()).then().statusCode(200).extract().jsonPath();
        Map<String, String> fields = params.getMap("fields", String.class, String.class);
        int status = CompanionParamsTest.post(params.getString("url"), fields, filename, "image/png", file).status();
        assertTrue(status / 100 == 2, "S3 took the POST: " + status);
        return new Posted(ownerName, Gateway.withToken(Tokens.forUser(ownerName)), params, params.getString("uploadId"),
                params.getString("key"), params.getString("url"), fields);
    }

    /** The upload ended in {@code state}, not COMPLETED; nothing is downloadable, and nothing it was sent is left in storage. */
    private void assertNeverServed(Posted posted, String state) {
        posted.owner().get(posted.id()).then().statusCode(200).body("state", equalTo(state)).body("state", not(equalTo("COMPLETED")));
        posted.owner().api().get("/api/v1/uploads/" + posted.id() + "/download").then().statusCode(409)
                .body("code", equalTo("upload_not_active"));
        assertThrows(CompletionException.class, () -> object(posted.key()), "no object under the upload's key");
        assertThrows(CompletionException.class, () -> object(posted.fields().get("key")), "nothing left where the form wrote");
        List<String> events = Ledger.eventTypesOf(posted.id());
        assertFalse(events.contains("upload.completed"), events.toString());
    }

    private byte[] download(Posted posted) {
        String url = posted.owner().api().get("/api/v1/uploads/" + posted.id() + "/download").then().statusCode(200)
                .extract().path("url");
        return Gateway.download(url).body();
    }

    private byte[] object(String key) {
        return s3.getObject(r -> r.bucket(TestStack.BUCKET).key(key), AsyncResponseTransformer.toBytes()).join().asByteArray();
    }

    static byte[] padded(byte[] head, int length) {
        byte[] bytes = Arrays.copyOf(head, length);
        for (int i = head.length; i < length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        return bytes;
    }
}
