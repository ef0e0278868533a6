package io.uploadgateway.health;

import java.util.concurrent.TimeoutException;

/** Short, secret-free descriptions of why the ledger is not answering, for health data. */
final class Outages {

    private Outages() {
    }

    static String describe(Throwable failure) {
        if (failure instanceof TimeoutException || failure instanceof io.smallrye.mutiny.TimeoutException) {
            return "no answer in time";
        }
        String message = failure.getMessage();
        if (message != null && message.length() > 200) {
            message = message.substring(0, 200) + "…";
        }
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
