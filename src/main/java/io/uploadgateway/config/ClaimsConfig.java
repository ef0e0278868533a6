package io.uploadgateway.config;

import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Transitions that wait on S3 (complete, abort, expiry) claim the upload instead of locking it. */
public interface ClaimsConfig {
    /** How long a second call waits for the transition in flight before answering 409 upload_busy. */
    @WithDefault("PT10S")
    Duration waitFor();

    /**
     * A claim older than this died with its replica (a crash between claim and finish) and is
     * taken over. At least the longest a transition may take (five S3 call timeouts and two
     * ledger statement timeouts: 3 minutes with the defaults), which startup checks.
     */
    @WithDefault("PT4M")
    Duration staleAfter();
}
