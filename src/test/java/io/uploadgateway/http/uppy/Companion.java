package io.uploadgateway.http.uppy;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.Tokens;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;

/** Speaks Companion's S3 protocol exactly as {@code @uppy/aws-s3} 6.x does (query strings as URLSearchParams writes them). */
final class Companion {

    /** The session cookie's name: the gateway's default. */
    static final String COOKIE = "__Host-gateway_token";

    private final String token;

    private Companion(String token) {
        this.token = token;
    }

    static Companion as(String user) {
        return new Companion(Tokens.forUser(user));
    }

    RequestSpecification call() {
        return given().auth().oauth2(token).urlEncodingEnabled(false).accept(ContentType.JSON);
    }

    /** URLSearchParams' encoding: application/x-www-form-urlencoded, space as '+'. */
    static String form(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    Response create(String filename, String type, Map<String, Object> metadata) {
        return call().contentType(ContentType.JSON)
                .body(metadata == null ? Map.of("filename", filename, "type", type)
                        : Map.of("filename", filename, "type", type, "metadata", metadata))
                .post("/s3/multipart");
    }

    /** {@code GET /s3/params} as Uppy sends it: URLSearchParams of filename, type and metadata[field]. */
    Response params(String filename, String type, Map<String, Object> metadata) {
        StringBuilder query = new StringBuilder("filename=").append(form(filename)).append("&type=").append(form(type));
        metadata.forEach((name, value) -> query.append('&').append(form("metadata[" + name + "]")).append('=')
                .append(form(String.valueOf(value))));
        return call().get("/s3/params?" + query);
    }

    Response sign(String id, String key, int part) {
        return call().get("/s3/multipart/" + id + "/" + part + "?key=" + form(key));
    }

    Response batch(String id, String key, String partNumbers) {
        return call().get("/s3/multipart/" + id + "/batch?key=" + form(key) + "&partNumbers=" + partNumbers);
    }

    Response list(String id, String key) {
        return call().get("/s3/multipart/" + id + "?key=" + form(key));
    }

    Response complete(String id, String key, List<Map<String, Object>> parts) {
        return call().contentType(ContentType.JSON).body(Map.of("parts", parts))
                .post("/s3/multipart/" + id + "/complete?key=" + form(key));
    }

    Response abort(String id, String key) {
        return call().delete("/s3/multipart/" + id + "?key=" + form(key));
    }

    /** Signs part {@code n}, PUTs the bytes as a browser would, answers S3's ETag. */
    String put(String id, String key, int n, byte[] bytes) {
        String url = sign(id, key, n).then().statusCode(200).extract().path("url");
        Gateway.S3Answer answer = Gateway.put(new Gateway.PresignedUrl(url, "PUT", Map.of()), bytes);
        if (answer.status() != 200) {
            throw new AssertionError("S3 refused part " + n + ": " + answer);
        }
        return answer.etag();
    }
}
