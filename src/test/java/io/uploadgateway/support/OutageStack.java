package io.uploadgateway.support;

import io.uploadgateway.embedded.EmbeddedStack;

/** For tests that take S3 away and bring it back ({@code ReadinessTest}); PostgreSQL stays up. */
public class OutageStack extends PrivateStack {

    public static EmbeddedStack stack() {
        return running(OutageStack.class);
    }
}
