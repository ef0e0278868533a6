package io.uploadgateway.http;

import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The API reads at most {@code gateway.max-request-body} bytes of a request body (256 KiB by
 * default); a larger one is {@code 413 body_too_large} as problem+json.
 *
 * <p>Vert.x, not JAX-RS, sees the body first: left to themselves, Quarkus's own limit
 * ({@code quarkus.http.limits.max-body-size}) and the REST layer answer an oversized body with a
 * bare 413 before any exception mapper runs. So a Vert.x {@link BodyHandler} with the gateway's
 * limit reads {@code /api/*} and {@code /s3/*} bodies of unknown length (chunked on HTTP/1.1,
 * or HTTP/2 frames without a {@code content-length}) ahead of both (Quarkus REST then takes the
 * body it buffered, which needs {@code quarkus.rest.input-buffer-size} above the limit: see
 * application.properties); a declared {@code Content-Length} over the limit is refused before a byte is read,
 * and a failure handler on the same route writes the problem. Buffering is non-blocking and
 * bounded by the limit. The rest of a moderately oversized body is read and dropped, so that a
 * client still sending it gets the answer instead of a reset connection.
 */
@ApplicationScoped
public class RequestBodyLimit {

    /** After the access log (a filter at order -1000), before Quarkus's own body-size check (order -2). */
    static final int ORDER = -900;

    private final long limit;
    /** How much of an oversized body is read and dropped so that its sender still gets the 413. */
    private final long drainCap;

    public RequestBodyLimit(GatewayConfig config) {
        this.limit = config.maxRequestBody().asLongValue();
        this.drainCap = Math.max(4 * limit, 1024 * 1024);
    }

    void install(@Observes Router router) {
        BodyHandler unknownLength = BodyHandler.create(false).setBodyLimit(limit);
        for (String path : new String[]{"/api/*", "/s3/*"}) {
            router.route(path).order(ORDER)
                .handler(rc -> {
                    long declared = declaredLength(rc.request());
                    if (declared > limit) {
                        rc.fail(413);
                    } else if (declared == -1) {
                        // Length unknown (chunked HTTP/1.1, or HTTP/2 without content-length): buffer
                        // it here, up to the limit (Quarkus REST then reads this buffer).
                        unknownLength.handle(rc);
                    } else {
                        // A declared length within the limit (or no body): Quarkus REST reads it as always.
                        rc.next();
                    }
                })
                .failureHandler(this::refuse);
        }
    }


    private void refuse(RoutingContext rc) {
        if (rc.statusCode() != 413 || rc.response().headWritten()) {
            rc.next();
            return;
        }
        ApiProblem problem = ErrorCode.BODY_TOO_LARGE.problem("the request body is larger than this gateway's limit of "
                + limit + " bytes; send fewer items per call");
        HttpServerRequest request = rc.request();
        HttpServerResponse response = rc.response()
                .setStatusCode(problem.status())
                .putHeader("Content-Type", ProblemMappers.PROBLEM_JSON);
        long declared = declaredLength(request);
        if (declared > drainCap) {
            // Not worth reading: answer and close (the client stops sending when the connection goes).
            response.putHeader("Connection", "close").end(new JsonObject(ProblemMappers.body(problem)).encode())
                    .onComplete(ignored -> request.connection().close());
            return;
        }
        // Read and drop the rest of a moderately oversized body, so the client, still sending it,
        // gets the answer: closing a connection with unread data resets it, and the answer with it.
        AtomicLong drained = new AtomicLong();
        request.handler(chunk -> {
            if (drained.addAndGet(chunk.length()) > drainCap) {
                request.connection().close();
            }
        });
        request.resume();
        response.end(new JsonObject(ProblemMappers.body(problem)).encode());
    }

    private static long declaredLength(HttpServerRequest request) {
        String length = request.getHeader("Content-Length");
        try {
            return length == null ? -1 : Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
