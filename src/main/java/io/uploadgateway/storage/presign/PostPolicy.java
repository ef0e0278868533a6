package io.uploadgateway.storage.presign;

import java.time.Instant;
import java.util.Map;

/**
 * A presigned browser POST (S3's "POST Object" with a SigV4-signed policy): the form is sent as
 * {@code multipart/form-data} to {@code url} with every one of {@code fields}, then the file as
 * the last field named {@code file}. Immutable.
 *
 * @param url       the bucket's URL (the key travels as a form field)
 * @param fields    the form fields in order: key, Content-Type, the x-amz-* fields, Policy, X-Amz-Signature
 * @param expiresAt the policy's {@code expiration}: S3 refuses the form after it
 * @param policyJson the policy document before base64 (for logs and tests; it is in {@code fields} as {@code Policy})
 */
public record PostPolicy(String url, Map<String, String> fields, Instant expiresAt, String policyJson) {
}
