package io.uploadgateway.health;

import software.amazon.awssdk.services.s3.model.S3Exception;

import java.util.concurrent.TimeoutException;

/** Short, secret-free descriptions of why a dependency is not answering, for health data. */
final class Outages {

    private Outages() {
    }

    static String describe(Throwable failure) {
        if (failure instanceof TimeoutException || failure instanceof io.smallrye.mutiny.TimeoutException) {
            return "no answer in time";
        }
        if (failure instanceof S3Exception s3) {
            String code = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
            return "HTTP " + s3.statusCode() + (code == null ? "" : " " + code);
        }
        String message = failure.getMessage();
        if (message != null && message.length() > 200) {
            message = message.substring(0, 200) + "…";
        }
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
