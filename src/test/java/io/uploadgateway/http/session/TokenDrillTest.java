package io.uploadgateway.http.session;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import io.smallrye.jwt.util.KeyUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Drills against the token check, on the real stack: every forged, misdirected or incomplete token
 * is a 401 problem+json, and a valid token without the operators' group cannot act as an operator.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
class TokenDrillTest {

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private static String b64(String json) {
        return B64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Claims a real token of the test stack would carry, as JSON. */
    private static String validClaims(String subject) {
        long now = Instant.now().getEpochSecond();
        return "{\"iss\":\"" + TestStack.ISSUER + "\",\"aud\":\"" + TestStack.AUDIENCE + "\",\"sub\":\"" + subject
                + "\",\"groups\":[\"user\",\"" + TestStack.ADMIN_ROLE + "\"],\"iat\":" + (now - 60) + ",\"exp\":" + (now + 3600) + "}";
    }

    /** An unsigned token: {@code alg: none}, empty signature. */
    static String algNone() {
        return b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(validClaims("mallory")) + ".";
    }

    /** HS256 signed with the gateway's RSA public key as the HMAC secret (the classic algorithm confusion). */
    static String hs256WithPublicKey(boolean pemText) {
        try {
            String pem = Files.readString(TestStack.publicKey());
            byte[] secret = pemText ? pem.getBytes(StandardCharsets.US_ASCII)
                    : Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
            String signingInput = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + b64(validClaims("mallory"));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return signingInput + "." + B64URL.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Any claims, as JSON, signed RS256 with the test stack's own key: for claims no token builder will write. */
    static String rs256(String claimsJson) {
        try {
            String signingInput = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + b64(claimsJson);
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(KeyUtils.decodePrivateKey(Files.readString(TestStack.privateKey())));
            rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + B64URL.encodeToString(rsa.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Well-formed, right issuer and audience, signed by a key the gateway does not trust. */
    static String signedByAnotherKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair other = generator.generateKeyPair();
            return Tokens.claims("mallory", Set.of("user", TestStack.ADMIN_ROLE), Instant.now().plusSeconds(3600), TestStack.ISSUER)
                    .audience(TestStack.AUDIENCE).sign(other.getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> badTokens() {
        Instant inAnHour = Instant.now().plusSeconds(3600);
        return Stream.<Arguments>of(
                Arguments.of("no token", (Supplier<String>) () -> null),
                Arguments.of("wrong audience", (Supplier<String>) () -> Tokens.sign(
                        Tokens.claims("mallory", Set.of("user"), inAnHour, TestStack.ISSUER).audience("another-app"))),
                Arguments.of("no audience", (Supplier<String>) () -> Tokens.sign(
                        Tokens.claims("mallory", Set.of("user"), inAnHour, TestStack.ISSUER))),
                Arguments.of("alg none", (Supplier<String>) TokenDrillTest::algNone),
                Arguments.of("HS256 keyed with the public key's PEM text", (Supplier<String>) () -> hs256WithPublicKey(true)),
                Arguments.of("HS256 keyed with the public key's DER bytes", (Supplier<String>) () -> hs256WithPublicKey(false)),
                Arguments.of("signed by another key, same issuer", (Supplier<String>) TokenDrillTest::signedByAnotherKey),
                Arguments.of("no sub", (Supplier<String>) () -> Tokens.sign(
                        Tokens.claims(null, Set.of("user"), inAnHour, TestStack.ISSUER).audience(TestStack.AUDIENCE))),
                Arguments.of("expired", (Supplier<String>) () -> Tokens.expired("mallory")),
                Arguments.of("sub as a number", (Supplier<String>) () -> rs256(validClaims("mallory").replace("\"mallory\"", "12345"))),
                Arguments.of("sub as an object", (Supplier<String>) () -> rs256(validClaims("mallory").replace("\"mallory\"", "{\"id\":\"x\"}"))),
                Arguments.of("empty sub", (Supplier<String>) () -> Tokens.sign(Tokens.claims("", Set.of("user"), inAnHour,
                        TestStack.ISSUER).audience(TestStack.AUDIENCE))),
                Arguments.of("another issuer", (Supplier<String>) () -> Tokens.fromOtherIssuer("mallory")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void everyBadTokenIs401ProblemJson(String name, Supplier<String> token) {
        String bearer = token.get();
        for (String[] call : new String[][]{{"POST", "/api/v1/uploads"}, {"GET", "/api/v1/uploads"}, {"GET", "/api/v1/admin/stats"}}) {
            var request = given().contentType(ContentType.JSON).accept(ContentType.JSON);
            if (bearer != null) {
                request.header("Authorization", "Bearer " + bearer);
            }
            Response response = call[0].equals("POST")
                    ? request.body("{\"filename\":\"a.bin\",\"size\":1}").post(call[1])
                    : request.get(call[1]);
            String seen = name + ": " + call[0] + " " + call[1] + " -> " + response.statusCode() + " " + response.asString();
            assertEquals(401, response.statusCode(), seen);
            assertEquals("application/problem+json", response.contentType(), seen);
            assertEquals("unauthorized", response.path("code"), seen);
            assertEquals("Bearer", response.header("WWW-Authenticate"), seen);
        }
    }

    @Test
    void theDrillsTokensDifferFromAGoodOneOnlyInWhatTheyBreak() {
        // Control: the same claims, properly signed, are accepted; so each 401 above is for what it breaks.
        String good = Tokens.sign(Tokens.claims("drill-" + UUID.randomUUID(), Set.of("user"), Instant.now().plusSeconds(3600),
                TestStack.ISSUER).audience(TestStack.AUDIENCE));
        Gateway.withToken(good).api().get("/api/v1/uploads").then().statusCode(200);
        Gateway.withToken(rs256(validClaims("drill-" + UUID.randomUUID()))).api().get("/api/v1/uploads").then().statusCode(200);
        Gateway.withToken(Tokens.forAdmin("drill-ops")).api().get("/api/v1/admin/stats").then().statusCode(200);
    }

    @Test
    void aNonOperatorCannotAbortSomeoneElsesUploadThroughTheAdminApi() {
        Gateway owner = Gateway.as("victim-" + UUID.randomUUID());
        String id = owner.start("precious.bin", 100, null).getString("id");
        owner.uploadPart(id, 1, new byte[100]);

        // A valid user token, and one carrying the group 'admin' that is not this gateway's operators' group.
        for (Set<String> groups : java.util.List.of(Set.of("user"), Set.of("user", "admin"))) {
            Gateway intruder = Gateway.withToken(Tokens.sign("intruder", groups, Instant.now().plusSeconds(3600), TestStack.ISSUER));
            intruder.api().post("/api/v1/admin/uploads/" + id + "/abort").then()
                    .statusCode(403).contentType("application/problem+json").body("code", equalTo("forbidden"));
            intruder.api().get("/api/v1/admin/uploads").then().statusCode(403).body("code", equalTo("forbidden"));
        }
        owner.get(id).then().statusCode(200).body("state", equalTo("UPLOADING")).body("parts.size()", equalTo(1));
    }
}
