package io.uploadgateway.http;

import io.uploadgateway.problem.ErrorCode;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Requests the router refuses before any route runs (an HTTP/1.1 request without {@code Host},
 * a path that does not start with '/') are answered {@code 400 invalid_request} as problem+json,
 * like every other bad input, instead of Vert.x's empty 400. (A broken percent escape in the
 * request line is refused even earlier, by the HTTP server itself: an empty 400 this cannot reach.)
 */
@ApplicationScoped
public class MalformedRequests {

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).failureHandler(this::answer);
    }

    private void answer(RoutingContext rc) {
        if (rc.statusCode() != 400 || rc.response().headWritten() || rc.response().ended()) {
            rc.next();
            return;
        }
        var problem = ErrorCode.INVALID_REQUEST.problem(
                "the request is malformed (e.g. no Host header, or a path that does not start with '/')");
        rc.response().setStatusCode(problem.status())
                .putHeader("Content-Type", ProblemMappers.PROBLEM_JSON)
                .putHeader("X-Content-Type-Options", "nosniff")
                .end(new JsonObject(ProblemMappers.body(problem)).encode());
    }
}
