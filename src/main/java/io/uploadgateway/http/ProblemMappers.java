package io.uploadgateway.http;

import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.uploadgateway.storage.StorageException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import io.vertx.core.VertxException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.io.IOException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Every failure leaves as RFC 9457 {@code application/problem+json} with a stable {@code code}.
 * Client mistakes are 4xx with a detail that says what to change; outages are 503; anything
 * else is a 500 whose stack trace stays in the log.
 */
public class ProblemMappers {

    public static final String PROBLEM_JSON = "application/problem+json";
    /** Seconds a client should wait after an outage answer before it retries. */
    static final String RETRY_AFTER_SECONDS = "5";
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response apiProblem(ApiProblem problem) {
        return respond(problem);
    }

    // Listed one by one: Quarkus ships mappers for some of these subtypes, and the most specific mapper wins.
    @ServerExceptionMapper({JsonProcessingException.class, com.fasterxml.jackson.core.JsonParseException.class,
            JsonMappingException.class, com.fasterxml.jackson.databind.exc.MismatchedInputException.class,
            com.fasterxml.jackson.databind.exc.InvalidFormatException.class,
            com.fasterxml.jackson.databind.exc.InvalidDefinitionException.class,
            com.fasterxml.jackson.databind.exc.ValueInstantiationException.class,
            com.fasterxml.jackson.core.exc.InputCoercionException.class,
            com.fasterxml.jackson.core.exc.StreamReadException.class})
    public Response malformedJson(JsonProcessingException e) {
        return respond(ApiProblem.invalid(describeJsonFailure(e)));
    }

    @ServerExceptionMapper({AuthenticationFailedException.class, UnauthorizedException.class})
    public Response unauthenticated(RuntimeException e) {
        return respond(ErrorCode.UNAUTHORIZED.problem("send a valid, unexpired bearer token: Authorization: Bearer <JWT>")
                .withHeader("WWW-Authenticate", "Bearer"));
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        // The group's name stays out of the answer: the operator who configured it knows it.
        return respond(ErrorCode.FORBIDDEN.problem("this call needs the operators' group (gateway.admin-role) "
                + "in the bearer token's groups claim"));
    }

    @ServerExceptionMapper
    public Response storageRefused(StorageException.Refused e) {
        return respond(switch (e.kind()) {
            case INVALID -> ApiProblem.invalid("object storage refused the request as invalid (" + e.s3Code() + ")");
            case TOO_LARGE -> ErrorCode.TOO_LARGE.problem("object storage refused the request as too large (" + e.s3Code() + ")");
            case DENIED -> ErrorCode.STORAGE_REFUSED.problem("object storage refused the operation (" + e.s3Code()
                    + "); this is the gateway's configuration, not the request: retrying will not help until an operator fixes it");
        });
    }

    @ServerExceptionMapper
    public Response storage(StorageException e) {
        // NoSuchUpload and PartsRejected are translated by the use cases; reaching here means an outage.
        LOG.warnf("object storage unavailable: %s", e.getMessage());
        return respond(ErrorCode.STORAGE_UNAVAILABLE.problem("object storage did not answer as expected; retry later")
                .withHeader("Retry-After", RETRY_AFTER_SECONDS));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        ErrorCode code = switch (status) {
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 403 -> ErrorCode.FORBIDDEN;
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 406 -> ErrorCode.NOT_ACCEPTABLE;
            case 413 -> ErrorCode.TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            default -> ErrorCode.INVALID_REQUEST;
        };
        if (e.getCause() instanceof JsonProcessingException json) {
            return malformedJson(json);
        }
        String detail = switch (status) {
            case 404 -> "no such resource";
            case 405 -> "this path does not accept that method";
            case 415 -> "send the body as application/json";
            default -> e.getMessage();
        };
        return respond(code.problem(detail));
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e) {
        if (isDatabaseOutage(e)) {
            LOG.warnf("database unavailable: %s", e.toString());
            return respond(ErrorCode.DATABASE_UNAVAILABLE.problem("the upload ledger is unreachable; retry later")
                    .withHeader("Retry-After", RETRY_AFTER_SECONDS));
        }
        LOG.error("unexpected failure", e);
        return respond(ErrorCode.INTERNAL_ERROR.problem("the gateway failed unexpectedly; the failure is logged"));
    }

    public static Response respond(ApiProblem problem) {
        Response.ResponseBuilder response = Response.status(problem.status()).type(PROBLEM_JSON).entity(body(problem));
        problem.headers().forEach(response::header);
        return response.build();
    }

    /** The RFC 9457 members of a problem, for answers written outside JAX-RS too. */
    public static Map<String, Object> body(ApiProblem problem) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "urn:upload-gateway:problem:" + problem.code());
        body.put("title", problem.title());
        body.put("status", problem.status());
        body.put("detail", problem.detail());
        body.put("code", problem.code());
        body.putAll(problem.extensions());
        return body;
    }

    static String describeJsonFailure(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            String known = unknown.getKnownPropertyIds() == null ? "" : unknown.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
            return "the body has an unknown field '" + pathOf(unknown) + "'" + (known.isEmpty() ? ""
                    : "; fields accepted there: " + known);
        }
        String where = "";
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            where = " at '" + pathOf(mapping) + "'";
        }
        String reason = e.getOriginalMessage();
        if (reason != null && reason.length() > 200) {
            reason = reason.substring(0, 200) + "…";
        }
        return "the body is not the JSON this call expects" + where + ": " + reason;
    }

    /** The JSON path of a mapping failure, e.g. {@code metadata.album} or {@code partNumbers[3]}. */
    private static String pathOf(JsonMappingException mapping) {
        String path = mapping.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        return path.length() <= 200 ? path : path.substring(0, 200) + "…";
    }

    /**
     * The ledger cannot answer now (a 503, never "your request is wrong"): PostgreSQL refused or
     * closed the connection, a bound the gateway sets ran out, or the server reported an outage,
     * however Hibernate Reactive or Mutiny wrapped it.
     */
    static boolean isDatabaseOutage(Throwable failure) {
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof TimeoutException || t instanceof ClosedConnectionException
                    || t.getClass().getName().startsWith("io.netty.channel")
                    || isPoolTimeout(t) || isSocketFailure(t)
                    || (t instanceof PgException pg && pg.getSqlState() != null && isOutageState(pg.getSqlState()))
                    // Hibernate Reactive reports the server's error as a java.sql.SQLException
                    || (t instanceof SQLException sql && sql.getSQLState() != null && isOutageState(sql.getSQLState()))) {
                return true;
            }
            if (t instanceof VertxException vx && vx.getMessage() != null
                    && (vx.getMessage().contains("Connection refused") || vx.getMessage().contains("closed"))) {
                return true;
            }
            // A failed transaction can also fail its rollback: Mutiny then reports both together.
            for (Throwable suppressed : t.getSuppressed()) {
                if (isDatabaseOutage(suppressed)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The pool's acquisition timeout ({@code gateway.ledger.acquire-timeout}): Vert.x's SQL pool
     * fails a request still queued for a connection with "Timeout waiting for connection", and one
     * whose new connection is still being opened with a bare "Timeout". Neither has a type of its own.
     */
    private static boolean isPoolTimeout(Throwable t) {
        return (t instanceof VertxException && "Timeout waiting for connection".equals(t.getMessage()))
                || (t instanceof NoStackTraceThrowable && "Timeout".equals(t.getMessage()));
    }

    /** A connection PostgreSQL (or the path to it) reset or closed under a write: the JDK reports it as a bare IOException. */
    private static boolean isSocketFailure(Throwable t) {
        return t instanceof IOException && t.getMessage() != null
                && (t.getMessage().contains("Connection reset") || t.getMessage().contains("Broken pipe"));
    }

    /**
     * Connection failures (08), shutdown (57P), exhausted resources (53), and the session bounds
     * the gateway sets itself: statement_timeout (57014) and lock_timeout (55P03).
     */
    private static boolean isOutageState(String sqlState) {
        return sqlState.startsWith("08") || sqlState.startsWith("57P") || sqlState.startsWith("53")
                || sqlState.equals("57014") || sqlState.equals("55P03");
    }
}
