package io.uploadgateway.storage.presign;

import java.time.Instant;
import java.util.Map;

/**
 * One presigned request.
 *
 * @param url       the full URL, signature included
 * @param method    {@code PUT} (UploadPart) or {@code GET} (GetObject)
 * @param headers   the headers the client must send with exactly these values: every signed
 *                  header except {@code host}, named {@code Content-Length}, {@code Content-MD5},
 *                  {@code x-amz-checksum-*}, {@code x-amz-sdk-checksum-algorithm}; immutable, empty
 *                  when only {@code host} is signed
 * @param expiresAt when S3 stops accepting the URL: {@code X-Amz-Date} plus {@code X-Amz-Expires}
 */
public record PresignedUrl(String url, String method, Map<String, String> headers, Instant expiresAt) {
}
