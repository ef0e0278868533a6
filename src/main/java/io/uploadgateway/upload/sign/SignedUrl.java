package io.uploadgateway.upload.sign;

import io.uploadgateway.storage.MultipartStorage.PresignedRequest;

import java.time.Instant;
import java.util.Map;

/** A presigned request as clients receive it: where to send it, how, the headers it must carry, until when. */
public record SignedUrl(String method, String url, Map<String, String> headers, Instant expiresAt) {

    static SignedUrl of(PresignedRequest request) {
        return new SignedUrl(request.method(), request.url(), request.headers(), request.expiresAt());
    }
}
