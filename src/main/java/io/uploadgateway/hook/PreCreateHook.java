package io.uploadgateway.hook;

import io.uploadgateway.config.HookConfig;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.outbound.SignedPost;
import io.uploadgateway.outbound.StandardWebhooks;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Asks the app backend before an upload is created: POSTs the signed intent (Standard Webhooks
 * headers and signature, type {@code upload.pre-create}) to {@code gateway.hook.pre-create-url} and
 * waits at most {@code pre-create-timeout}. A 2xx allows it, and may add metadata and name the
 * store the upload goes to ({@code {"metadata": {...}, "store": "eu"}}); a 4xx refuses it
 * ({@code 403 rejected_by_hook} with the hook's message); a timeout, a connection failure, a 5xx
 * or an unreadable answer fails closed
 * ({@code 503 hook_unavailable}). Called with no database connection held; off while the URL is unset.
 */
@ApplicationScoped
public class PreCreateHook {

    private static final Logger LOG = Logger.getLogger(PreCreateHook.class);
    private static final int MAX_ANSWER_BYTES = 16 * 1024;
    private static final int MAX_MESSAGE = 300;
    private static final String RETRY_AFTER_SECONDS = "5";

    /** What the client asks to upload; {@code size} is null for an open-sized upload (Uppy's {@code /s3} routes send none). */
    @JsonPropertyOrder({"owner", "filename", "size", "contentType", "metadata"})
    public record Intent(String owner, String filename, Long size, String contentType, Map<String, String> metadata) {
    }

    @JsonPropertyOrder({"type", "timestamp", "data"})
    record Call(String type, Instant timestamp, Intent data) {
    }

    private final String url;
    private final String secret;
    private final Duration timeout;
    private final ObjectMapper json;
    private final Clock clock;
    private final SignedPost http;
    private byte[] key;

    public PreCreateHook(GatewayConfig config, ObjectMapper json, Clock clock, Vertx vertx) {
        HookConfig hook = config.hook();
        this.url = hook.preCreateUrl().map(String::strip).filter(u -> !u.isEmpty()).orElse(null);
        this.secret = hook.preCreateSecret().or(() -> config.webhook().secret()).map(String::strip).orElse(null);
        this.timeout = hook.preCreateTimeout();
        this.json = json;
        this.clock = clock;
        this.http = new SignedPost(vertx, clock, "upload-gateway-hook", 32);
    }

    void check(@Observes StartupEvent event) {
        if (url == null) {
            return;
        }
        String problem = SignedPost.urlProblem(url);
        if (problem != null) {
            throw new IllegalStateException("GATEWAY_HOOK_PRE_CREATE_URL " + problem);
        }
        if (secret == null) {
            throw new IllegalStateException("GATEWAY_HOOK_PRE_CREATE_SECRET (or GATEWAY_WEBHOOK_SECRET) is required with "
                    + "GATEWAY_HOOK_PRE_CREATE_URL: the hook must be able to tell the gateway's calls from anyone else's");
        }
        try {
            key = StandardWebhooks.key(secret);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("GATEWAY_HOOK_PRE_CREATE_SECRET " + e.getMessage());
        }
    }

    void close(@Observes ShutdownEvent event) {
        http.close();
    }

    public boolean enabled() {
        return url != null;
    }

    /** What the hook answered when it allowed the upload: metadata it adds, and the store it names (if any). */
    public record Allowed(Map<String, String> metadata, Optional<String> store) {
        static final Allowed NOTHING = new Allowed(Map.of(), Optional.empty());
    }

    /** What the hook adds when it allows the upload (nothing when off); fails with the problem when it does not. */
    public Uni<Allowed> check(Intent intent) {
        if (url == null) {
            return Uni.createFrom().item(Allowed.NOTHING);
        }
        Intent sorted = new Intent(intent.owner(), intent.filename(), intent.size(), intent.contentType(),
                new TreeMap<>(intent.metadata()));
        String body;
        try {
            body = json.writeValueAsString(new Call("upload.pre-create", clock.instant(), sorted));
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalStateException("could not write the pre-create call", e));
        }
        String id = "hook_" + UUID.randomUUID();
        return http.post(url, key, id, body, timeout, MAX_ANSWER_BYTES)
                .onFailure().transform(failure -> {
                    LOG.warnf("pre-create hook %s failed: %s", SignedPost.shown(url), failure.toString());
                    return unavailable(failure instanceof SignedPost.DeadlineExceeded
                            ? "did not answer within " + timeout : "could not be reached");
                })
                .map(this::decide);
    }

    private Allowed decide(SignedPost.Answer answer) {
        int status = answer.status();
        if (answer.ok()) {
            return allowed(answer);
        }
        if (status >= 400 && status < 500) {
            String message = messageOf(answer);
            return reject(status, message);
        }
        LOG.warnf("pre-create hook %s answered HTTP %d", SignedPost.shown(url), status);
        throw unavailable("answered HTTP " + status);
    }

    private static Allowed reject(int status, String message) {
        throw ErrorCode.REJECTED_BY_HOOK.problem("the application refused this upload: " + message)
                .with("hookMessage", message).with("hookStatus", status);
    }

    /** {@code {"metadata": {"k": "v"}, "store": "name"}} from a 2xx JSON answer; an empty or non-JSON answer adds nothing. */
    private Allowed allowed(SignedPost.Answer answer) {
        String body = answer.body() == null ? "" : answer.body().strip();
        if (body.isEmpty() || !isJson(answer.contentType())) {
            return Allowed.NOTHING;
        }
        try {
            JsonNode root = json.readTree(body);
            JsonNode metadata = root == null ? null : root.get("metadata");
            if (root == null || !root.isObject() || (metadata != null && !metadata.isNull() && !metadata.isObject())) {
                throw new IllegalArgumentException("not {\"metadata\": {...}}");
            }
            JsonNode store = root.get("store");
            if (store != null && !store.isNull() && !store.isTextual()) {
                throw new IllegalArgumentException("store is not a string");
            }
            Map<String, String> added = new LinkedHashMap<>();
            if (metadata != null && metadata.isObject()) {
                for (var field : (Iterable<Map.Entry<String, JsonNode>>) metadata::fields) {
                    if (!field.getValue().isTextual()) {
                        throw new IllegalArgumentException("metadata value of '" + field.getKey() + "' is not a string");
                    }
                    added.put(field.getKey(), field.getValue().asText());
                }
            }
            return new Allowed(added, store == null || store.isNull() ? Optional.empty() : Optional.of(store.asText()));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            LOG.warnf("pre-create hook %s allowed with an answer the gateway cannot read: %s", SignedPost.shown(url), e.getMessage());
            throw unavailable("answered 2xx with a body that is not {\"metadata\": {\"key\": \"value\"}, \"store\": \"name\"}");
        }
    }

    /** The hook's reason: a JSON {@code message}, {@code detail}, {@code title} or {@code error}, or a plain-text body. */
    private String messageOf(SignedPost.Answer answer) {
        String body = answer.body() == null ? "" : answer.body().strip();
        String message = body;
        if (isJson(answer.contentType()) || body.startsWith("{")) {
            message = "";
            try {
                JsonNode root = json.readTree(body);
                for (String field : new String[]{"message", "detail", "title", "error"}) {
                    if (root != null && root.path(field).isTextual()) {
                        message = root.path(field).asText();
                        break;
                    }
                }
            } catch (JsonProcessingException e) {
                message = body;
            }
        }
        message = message.replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
        if (message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE - 1) + "…";
        }
        return message.isEmpty() ? "no reason given (HTTP " + answer.status() + ")" : message;
    }

    private static boolean isJson(String contentType) {
        return contentType != null && contentType.toLowerCase().contains("json");
    }

    /** Fail closed: nothing is created while the application cannot say yes. */
    static ApiProblem unavailable(String what) {
        return ErrorCode.HOOK_UNAVAILABLE.problem("the application's pre-create check " + what
                        + "; nothing was created, retry in " + RETRY_AFTER_SECONDS + " s")
                .withHeader("Retry-After", RETRY_AFTER_SECONDS);
    }
}
