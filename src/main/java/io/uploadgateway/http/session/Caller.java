package io.uploadgateway.http.session;

import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.upload.Scope;
import jakarta.enterprise.context.RequestScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.Optional;

/**
 * Who is calling: the verified bearer token's {@code sub} owns every upload it creates. A
 * {@code sub} the ledger cannot hold as an owner (absent, blank, longer than the
 * {@code varchar(255)} owner column, or with control characters, which PostgreSQL refuses in
 * text) makes the token unusable here: {@code 401}, like a token without {@code sub}.
 */
@RequestScoped
public class Caller {

    /** The ledger's {@code uploads.owner} is {@code varchar(255)}: 255 characters. */
    public static final int MAX_SUBJECT_LENGTH = 255;

    private final JsonWebToken token;
    private final Optional<String> storeClaim;

    public Caller(JsonWebToken token, GatewayConfig config) {
        this.token = token;
        this.storeClaim = config.storeClaim();
    }

    /** The value of the token's claim that chooses the store ({@code gateway.store-claim}), if configured and a string. */
    public String storeClaim() {
        return storeClaim.map(token::getClaim).filter(String.class::isInstance).map(String.class::cast).orElse(null);
    }

    public String owner() {
        String subject = token.getSubject();
        String problem = subjectProblem(subject);
        if (problem != null) {
            throw ErrorCode.UNAUTHORIZED.problem(problem + "; this gateway needs a token whose 'sub' names its user")
                    .withHeader("WWW-Authenticate", "Bearer");
        }
        return subject;
    }

    /** The uploads this caller may see: its own. */
    public Scope.Owner scope() {
        return new Scope.Owner(owner());
    }

    /** Null when {@code subject} can own uploads, otherwise why not. */
    static String subjectProblem(String subject) {
        if (subject == null || subject.isBlank()) {
            return "the bearer token has no 'sub' claim";
        }
        if (subject.codePointCount(0, subject.length()) > MAX_SUBJECT_LENGTH) {
            return "the bearer token's 'sub' is longer than " + MAX_SUBJECT_LENGTH + " characters";
        }
        for (int i = 0; i < subject.length(); ) {
            int cp = subject.codePointAt(i);
            int type = Character.getType(cp);
            if (type == Character.CONTROL || type == Character.SURROGATE) {
                return "the bearer token's 'sub' contains control characters";
            }
            i += Character.charCount(cp);
        }
        return null;
    }
}
