package io.uploadgateway.support;

import io.uploadgateway.embedded.EmbeddedStack;

/** For tests that take S3 and then PostgreSQL away for good ({@code OutageTest}). */
public class IsolatedStack extends PrivateStack {

    public static EmbeddedStack stack() {
        return running(IsolatedStack.class);
    }
}
