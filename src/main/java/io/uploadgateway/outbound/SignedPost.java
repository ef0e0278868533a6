package io.uploadgateway.outbound;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Signed JSON POSTs to the app backend (webhooks, hooks) on Vert.x's non-blocking HTTP client:
 * Standard Webhooks headers, a hard deadline on the whole exchange (connect to last byte; the
 * stream is reset when it passes), answers read up to a cap, never a redirect followed. Each
 * user gets a client with a connection pool of its own, so one slow receiver cannot starve another.
 */
public final class SignedPost {

    /** What the receiver answered: its status, content type and (capped) body. */
    public record Answer(int status, String contentType, String body) {

        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    /** The exchange did not finish within its deadline. */
    public static final class DeadlineExceeded extends TimeoutException {
        public DeadlineExceeded(Duration deadline) {
            super("no complete answer within " + deadline);
        }
    }

    /**
     * The app backend's URL as logs and messages may show it: scheme, host, port and path. User
     * info and the query (where a receiver's token often lives) are left out; a URL that cannot be
     * read shows as {@code <unreadable URL>}.
     */
    public static String shown(String url) {
        try {
            URI uri = URI.create(url.strip());
            if (uri.getScheme() == null || uri.getHost() == null) {
                return "<unreadable URL>";
            }
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort())
                    + (uri.getRawPath() == null ? "" : uri.getRawPath()) + (uri.getRawQuery() == null ? "" : "?…");
        } catch (IllegalArgumentException e) {
            return "<unreadable URL>";
        }
    }

    /** Null when {@code url} is an absolute http(s) URL the client can call, otherwise what is wrong (the URL shown redacted). */
    public static String urlProblem(String url) {
        try {
            URI uri = URI.create(url);
            if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) || uri.getHost() == null) {
                return "must be an absolute http(s) URL, got '" + shown(url) + "'";
            }
            return null;
        } catch (IllegalArgumentException e) {
            return "is not a URL: '" + shown(url) + "'";
        }
    }

    private final Vertx vertx;
    private final Clock clock;
    private final String userAgent;
    private final int maxConnections;
    private volatile HttpClient client;

    public SignedPost(Vertx vertx, Clock clock, String userAgent, int maxConnections) {
        this.vertx = vertx;
        this.clock = clock;
        this.userAgent = userAgent;
        this.maxConnections = maxConnections;
    }

    /**
     * POSTs {@code body} signed with {@code key} as message {@code id}. Fails with
     * {@link DeadlineExceeded} after {@code deadline}, or with the connection's failure; any HTTP
     * status is an {@link Answer}. Callbacks run on the caller's Vert.x context.
     */
    public Uni<Answer> post(String url, byte[] key, String id, String body, Duration deadline, int maxAnswerBytes) {
        return Uni.createFrom().emitter(emitter -> {
            long timestamp = clock.instant().getEpochSecond();
            long millis = Math.max(1, deadline.toMillis());
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setAbsoluteURI(url)
                    .setFollowRedirects(false)
                    .setConnectTimeout(millis)
                    .setIdleTimeout(millis)
                    .putHeader("content-type", "application/json")
                    .putHeader("user-agent", userAgent)
                    .putHeader(StandardWebhooks.ID, id)
                    .putHeader(StandardWebhooks.TIMESTAMP, String.valueOf(timestamp))
                    .putHeader(StandardWebhooks.SIGNATURE, StandardWebhooks.sign(key, id, timestamp, body));
            AtomicBoolean settled = new AtomicBoolean();
            AtomicReference<HttpClientRequest> inFlight = new AtomicReference<>();
            long timer = vertx.setTimer(millis, ignored -> {
                if (settled.compareAndSet(false, true)) {
                    HttpClientRequest request = inFlight.get();
                    if (request != null) {
                        request.reset();
                    }
                    emitter.fail(new DeadlineExceeded(deadline));
                }
            });
            Future<Answer> exchange;
            try {
                exchange = client().request(options).compose(request -> {
                    inFlight.set(request);
                    return request.send(Buffer.buffer(body, StandardCharsets.UTF_8.name()));
                }).compose(response -> capped(response, maxAnswerBytes)
                        .map(answer -> new Answer(response.statusCode(), response.getHeader("content-type"), answer)));
            } catch (RuntimeException e) {
                exchange = Future.failedFuture(e); // e.g. a malformed URL
            }
            exchange.onComplete(result -> {
                vertx.cancelTimer(timer);
                if (settled.compareAndSet(false, true)) {
                    if (result.succeeded()) {
                        emitter.complete(result.result());
                    } else {
                        emitter.fail(result.cause());
                    }
                }
            });
        });
    }

    /** The answer's body, its first {@code max} bytes kept and the rest read and dropped (the deadline still bounds it). */
    private static Future<String> capped(HttpClientResponse response, int max) {
        Promise<String> body = Promise.promise();
        Buffer kept = Buffer.buffer();
        response.handler(chunk -> {
            int room = max - kept.length();
            if (room > 0) {
                kept.appendBuffer(chunk.length() <= room ? chunk : chunk.getBuffer(0, room));
            }
        });
        response.exceptionHandler(body::tryFail);
        response.endHandler(ignored -> body.tryComplete(kept.toString(StandardCharsets.UTF_8)));
        return body.future();
    }

    private HttpClient client() {
        HttpClient current = client;
        if (current == null) {
            synchronized (this) {
                if (client == null) {
                    client = vertx.createHttpClient(new HttpClientOptions().setName(userAgent).setKeepAlive(true)
                                    .setIdleTimeout(60).setVerifyHost(true),
                            new PoolOptions().setHttp1MaxSize(maxConnections).setMaxWaitQueueSize(maxConnections * 64));
                }
                current = client;
            }
        }
        return current;
    }

    /** Closes the connections (at shutdown). */
    public void close() {
        HttpClient current = client;
        if (current != null) {
            current.close();
        }
    }
}
