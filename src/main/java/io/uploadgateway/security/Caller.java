package io.uploadgateway.security;

import io.quarkus.security.AuthenticationFailedException;
import io.uploadgateway.upload.Scope;
import jakarta.enterprise.context.RequestScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

/** Who is calling: the verified bearer token's {@code sub} owns every upload it creates. */
@RequestScoped
public class Caller {

    public static final String ADMIN_GROUP = "admin";

    private final JsonWebToken token;

    public Caller(JsonWebToken token) {
        this.token = token;
    }

    public String owner() {
        String subject = token.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new AuthenticationFailedException("the bearer token has no 'sub' claim");
        }
        return subject;
    }

    /** The uploads this caller may see: its own. */
    public Scope.Owner scope() {
        return new Scope.Owner(owner());
    }
}
