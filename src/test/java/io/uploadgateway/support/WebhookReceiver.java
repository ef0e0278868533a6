package io.uploadgateway.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.uploadgateway.outbound.StandardWebhooks;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The app backend as the gateway sees it, over real HTTP on loopback: a webhook receiver at
 * {@code /webhook} that checks every signature, records every delivery, answers what the test
 * tells it to (fail the first deliveries, refuse some) and can go down and come back on the same
 * port; and, on a server of its own that stays up, a pre-create hook at {@code /hook} with
 * scripted answers and delays.
 */
public final class WebhookReceiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request the receiver got, and what it answered. */
    public record Delivery(String id, String timestamp, boolean signatureValid, String body, JsonNode event, int answered,
                           Instant receivedAt) {

        public String type() {
            return event.path("type").asText();
        }

        public String uploadId() {
            return event.path("data").path("id").asText();
        }

        public boolean accepted() {
            return answered >= 200 && answered < 300;
        }
    }

    /** A scripted answer of the hook. */
    public record HookAnswer(int status, String contentType, String body, Duration delay) {

        public static HookAnswer allow() {
            return new HookAnswer(204, null, "", Duration.ZERO);
        }

        public static HookAnswer json(int status, String body) {
            return new HookAnswer(status, "application/json", body, Duration.ZERO);
        }

        public static HookAnswer slow(Duration delay) {
            return new HookAnswer(204, null, "", delay);
        }
    }

    private final String secret;
    private final byte[] key;
    /** The webhook port: free when first bound, then the same one on every {@link #up()}. */
    private volatile int port;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "webhook-receiver");
        t.setDaemon(true);
        return t;
    });
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final List<Delivery> hookCalls = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> failuresLeft = new ConcurrentHashMap<>();
    private volatile Function<Delivery, Integer> rule = delivery -> 204;
    private final Map<String, HookAnswer> hookByOwner = new ConcurrentHashMap<>();
    private final List<Delivery> processingCalls = new CopyOnWriteArrayList<>();
    private final Map<String, HookAnswer> processingByFilename = new ConcurrentHashMap<>();
    private volatile HttpServer server;
    private final HttpServer hookServer;

    private WebhookReceiver(String secret) throws IOException {
        this.secret = secret;
        this.key = StandardWebhooks.key(secret);
        hookServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        hookServer.createContext("/hook", this::hook);
        hookServer.createContext("/processing", this::processing);
        hookServer.setExecutor(threads);
        hookServer.start();
    }

    /** A receiver with a fresh random secret, on a free port. */
    public static WebhookReceiver start() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String secret = StandardWebhooks.SECRET_PREFIX + Base64.getEncoder().encodeToString(random);
        try {
            WebhookReceiver receiver = new WebhookReceiver(secret);
            receiver.up();
            return receiver;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String secret() {
        return secret;
    }

    public String webhookUrl() {
        return "http://127.0.0.1:" + port + "/webhook";
    }

    public String hookUrl() {
        return "http://127.0.0.1:" + hookServer.getAddress().getPort() + "/hook";
    }

    /** Where the processing webhook step asks for the app's verdict. */
    public String processingUrl() {
        return "http://127.0.0.1:" + hookServer.getAddress().getPort() + "/processing";
    }

    /** How the processing webhook answers for uploads of this filename (default: 202, the verdict comes later). */
    public void processingAnswers(String filename, HookAnswer answer) {
        processingByFilename.put(filename, answer);
    }

    /** The processing webhook's calls about this upload. */
    public List<Delivery> processingCallsOf(String uploadId) {
        return processingCalls.stream().filter(c -> uploadId.equals(c.uploadId())).toList();
    }

    /** Listening (again) on its port. */
    public synchronized void up() {
        if (server != null) {
            return;
        }
        // The port may linger for a moment after down().
        server = Awaitility.await("listening on " + port + " again").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .ignoreException(java.net.BindException.class).until(this::listen, java.util.Objects::nonNull);
        port = server.getAddress().getPort();
    }

    private HttpServer listen() throws IOException {
        HttpServer created = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        created.createContext("/webhook", this::webhook);
        created.setExecutor(threads);
        created.start();
        return created;
    }

    /** The webhook receiver is not listening: connections are refused, as by a receiver that is down. */
    public synchronized void down() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    @Override
    public void close() {
        down();
        hookServer.stop(0);
        threads.shutdownNow();
    }

    /** How the receiver answers deliveries from now on (default: 204 to everything). */
    public void answer(Function<Delivery, Integer> rule) {
        this.rule = rule;
    }

    /** Answers the first {@code count} deliveries of event type {@code type} of this upload with 503, then as usual. */
    public void failFirst(String uploadId, String type, int count) {
        failuresLeft.put(uploadId + "|" + type, count);
    }

    public void hookAnswers(String owner, HookAnswer answer) {
        hookByOwner.put(owner, answer);
    }

    public List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    public List<Delivery> deliveriesOf(String uploadId) {
        return deliveries.stream().filter(d -> uploadId.equals(d.uploadId())).toList();
    }

    /** Accepted deliveries of this upload, in the order they arrived. */
    public List<Delivery> acceptedOf(String uploadId) {
        return deliveriesOf(uploadId).stream().filter(Delivery::accepted).toList();
    }

    /** Event ids accepted more than once. */
    public Map<String, Long> duplicates() {
        return deliveries.stream().filter(Delivery::accepted)
                .collect(Collectors.groupingBy(Delivery::id, Collectors.counting()))
                .entrySet().stream().filter(e -> e.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    public List<Delivery> badSignatures() {
        List<Delivery> bad = new ArrayList<>();
        deliveries.stream().filter(d -> !d.signatureValid()).forEach(bad::add);
        hookCalls.stream().filter(d -> !d.signatureValid()).forEach(bad::add);
        return bad;
    }

    public List<Delivery> hookCalls() {
        return List.copyOf(hookCalls);
    }

    public List<Delivery> hookCallsOf(String owner) {
        return hookCalls.stream().filter(c -> owner.equals(c.event().path("data").path("owner").asText())).toList();
    }

    /** Waits until {@code condition} holds; fails with {@code what} and the deliveries so far after {@code timeout}. */
    public void await(String what, Duration timeout, BooleanSupplier condition) {
        try {
            Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofMillis(50)).until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            Map<String, List<String>> seen = new HashMap<>();
            deliveries.forEach(d -> seen.computeIfAbsent(d.uploadId(), k -> new ArrayList<>()).add(d.type() + ":" + d.answered()));
            throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; deliveries by upload: " + seen, e);
        }
    }

    /** Waits until this upload's accepted deliveries match {@code expected} (event types, in order of arrival). */
    public List<Delivery> awaitAccepted(String uploadId, Predicate<List<Delivery>> expected, Duration timeout) {
        await("the deliveries of upload " + uploadId, timeout, () -> expected.test(acceptedOf(uploadId)));
        return acceptedOf(uploadId);
    }

    private void webhook(HttpExchange exchange) throws IOException {
        Delivery received = read(exchange);
        int status;
        String key = received.uploadId() + "|" + received.type();
        Integer left = failuresLeft.computeIfPresent(key, (k, n) -> n - 1);
        if (left != null && left >= 0) {
            status = 503;
        } else {
            status = received.signatureValid() ? rule.apply(received) : 401;
        }
        deliveries.add(new Delivery(received.id(), received.timestamp(), received.signatureValid(), received.body(),
                received.event(), status, received.receivedAt()));
        respond(exchange, status, null, "");
    }

    private void hook(HttpExchange exchange) throws IOException {
        Delivery received = read(exchange);
        hookCalls.add(received);
        HookAnswer answer = hookByOwner.getOrDefault(received.event().path("data").path("owner").asText(), HookAnswer.allow());
        if (!answer.delay().isZero()) {
            pause(answer.delay()); // a receiver slow to answer
        }
        respond(exchange, received.signatureValid() ? answer.status() : 401, answer.contentType(), answer.body());
    }

    private void processing(HttpExchange exchange) throws IOException {
        Delivery received = read(exchange);
        processingCalls.add(received);
        HookAnswer answer = processingByFilename.getOrDefault(received.event().path("data").path("filename").asText(),
                new HookAnswer(202, null, "", Duration.ZERO));
        respond(exchange, received.signatureValid() ? answer.status() : 401, answer.contentType(), answer.body());
    }

    private Delivery read(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String id = exchange.getRequestHeaders().getFirst(StandardWebhooks.ID);
        String timestamp = exchange.getRequestHeaders().getFirst(StandardWebhooks.TIMESTAMP);
        String signature = exchange.getRequestHeaders().getFirst(StandardWebhooks.SIGNATURE);
        String contentType = exchange.getRequestHeaders().getFirst("content-type");
        boolean valid = "POST".equals(exchange.getRequestMethod())
                && contentType != null && contentType.startsWith("application/json")
                && StandardWebhooks.verify(key, id, timestamp, body, signature);
        JsonNode event;
        try {
            event = JSON.readTree(body);
        } catch (IOException e) {
            event = JSON.createObjectNode();
            valid = false;
        }
        return new Delivery(id, timestamp, valid, body, event, 0, Instant.now());
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (contentType != null) {
            exchange.getResponseHeaders().add("Content-Type", contentType);
        }
        try {
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        } catch (IOException e) {
            // the gateway gave up on this call (its deadline passed): nothing to answer
        } finally {
            exchange.close();
        }
    }

    private static void pause(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
