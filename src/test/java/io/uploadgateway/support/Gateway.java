package io.uploadgateway.support;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;

/**
 * A client of the native API as a user's app would be: JSON calls to the gateway with a bearer
 * token, and part bytes PUT straight to the presigned S3 URLs.
 */
public final class Gateway {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    private final String token;
    /** The gateway's base URL; null for the application under test (RestAssured's defaults). */
    private final String baseUri;

    private Gateway(String token, String baseUri) {
        this.token = token;
        this.baseUri = baseUri;
    }

    public static Gateway as(String user) {
        return new Gateway(Tokens.forUser(user), null);
    }

    public static Gateway withToken(String token) {
        return new Gateway(token, null);
    }

    /** A client of the gateway at {@code baseUri} (e.g. a packaged one an IT started). */
    public static Gateway on(String baseUri, String token) {
        return new Gateway(token, baseUri);
    }

    public RequestSpecification api() {
        RequestSpecification spec = baseUri == null ? given() : given().baseUri(baseUri);
        return spec.auth().oauth2(token).contentType(ContentType.JSON).accept(ContentType.JSON);
    }

    /** Starts an upload and returns its resource; fails the test unless the answer is 201. */
    public JsonPath start(String filename, long size, Long partSize) {
        Map<String, Object> body = new HashMap<>();
        body.put("filename", filename);
        body.put("size", size);
        if (partSize != null) {
            body.put("partSize", partSize);
        }
        return api().body(body).post("/api/v1/uploads").then().statusCode(201).extract().jsonPath();
    }

    public Response presignResponse(String id, List<Integer> parts, Long expiresInSeconds) {
        Map<String, Object> body = new HashMap<>();
        body.put("partNumbers", parts);
        if (expiresInSeconds != null) {
            body.put("expiresInSeconds", expiresInSeconds);
        }
        return api().body(body).post("/api/v1/uploads/" + id + "/presign");
    }

    /** Presigned URLs by part number. */
    public Map<Integer, PresignedUrl> presign(String id, List<Integer> parts, Long expiresInSeconds) {
        List<Map<String, Object>> urls = presignResponse(id, parts, expiresInSeconds)
                .then().statusCode(200).extract().jsonPath().getList("urls");
        Map<Integer, PresignedUrl> byPart = new HashMap<>();
        for (Map<String, Object> url : urls) {
            @SuppressWarnings("unchecked")
            Map<String, String> headers = (Map<String, String>) url.get("headers");
            byPart.put((Integer) url.get("partNumber"), new PresignedUrl((String) url.get("url"), (String) url.get("method"), headers));
        }
        return byPart;
    }

    public Response record(String id, int partNumber, String etag) {
        return api().body(Map.of("etag", etag)).put("/api/v1/uploads/" + id + "/parts/" + partNumber);
    }

    public Response get(String id) {
        return api().get("/api/v1/uploads/" + id);
    }

    public Response sync(String id) {
        return api().queryParam("sync", true).get("/api/v1/uploads/" + id);
    }

    public Response complete(String id) {
        return api().post("/api/v1/uploads/" + id + "/complete");
    }

    public Response abort(String id) {
        return api().delete("/api/v1/uploads/" + id);
    }

    /** Uploads {@code body} as the given part (presign, PUT to S3, record) and returns the ETag. */
    public String uploadPart(String id, int partNumber, byte[] body) {
        PresignedUrl url = presign(id, List.of(partNumber), null).get(partNumber);
        S3Answer answer = put(url, body);
        if (answer.status() != 200) {
            throw new AssertionError("S3 refused part " + partNumber + ": " + answer);
        }
        record(id, partNumber, answer.etag()).then().statusCode(200);
        return answer.etag();
    }

    /** Starts an upload of {@code bytes} and sends them as its one part (not completed yet); answers its id. */
    public String uploadWhole(String filename, byte[] bytes) {
        String id = start(filename, bytes.length, null).getString("id");
        uploadPart(id, 1, bytes);
        return id;
    }

    /** Waits until the upload is in {@code state} (the processing stage settles uploads on its own time); answers it then. */
    public JsonPath awaitState(String id, String state, Duration within) {
        Awaitility.await("upload " + id + " " + state).atMost(within).pollInterval(Duration.ofMillis(100))
                .until(() -> state.equals(get(id).path("state")));
        return get(id).then().extract().jsonPath();
    }

    public record PresignedUrl(String url, String method, Map<String, String> headers) {
    }

    public record S3Answer(int status, String etag, String body) {
    }

    /** PUTs bytes to a presigned URL exactly as a browser would: the URL, its headers, the body. */
    public static S3Answer put(PresignedUrl url, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url.url()))
                .timeout(Duration.ofSeconds(60))
                .method(url.method(), HttpRequest.BodyPublishers.ofByteArray(body));
        url.headers().forEach((name, value) -> {
            // The HTTP client derives Content-Length from the body itself.
            if (!name.equalsIgnoreCase("content-length") && !name.equalsIgnoreCase("host")) {
                request.header(name, value);
            }
        });
        return send(request.build());
    }

    public record Downloaded(int status, byte[] body, java.net.http.HttpHeaders headers) {
    }

    /** GETs a presigned download URL. */
    public static Downloaded download(String url) {
        try {
            HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return new Downloaded(response.statusCode(), response.body(), response.headers());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static S3Answer send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new S3Answer(response.statusCode(), response.headers().firstValue("ETag").orElse(null), response.body());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
