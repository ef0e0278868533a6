/**
 * A dedicated AWS Signature Version 4 query-string signer for the two S3 requests the gateway
 * hands to browsers and phones: {@code UploadPart} and {@code GetObject}.
 *
 * <p>Produces the same URLs, byte for byte, as the AWS SDK's {@code S3Presigner} (2.42.7) for
 * the endpoints and requests it supports, without the SDK's per-request pipeline. The tests in
 * {@code src/test/java/io/uploadgateway/storage/presign} prove that against the SDK and against
 * S3Proxy.
 *
 * <p>Use:
 * <ol>
 *   <li>Once per process: a {@link io.uploadgateway.storage.presign.SigV4Presigner} for one
 *       {@link io.uploadgateway.storage.presign.S3Endpoint} (endpoint, region, addressing style).</li>
 *   <li>Whenever the credentials change (rotation): a new
 *       {@link io.uploadgateway.storage.presign.SigningCredentials}; pass the current one with every call.</li>
 *   <li>Once per upload (or object): an
 *       {@link io.uploadgateway.storage.presign.UploadPartTarget} (or
 *       {@link io.uploadgateway.storage.presign.ObjectTarget}), which holds everything that does
 *       not change from one URL to the next.</li>
 *   <li>Per URL: {@code presignUploadPart} / {@code presignGetObject}.</li>
 * </ol>
 *
 * <p>This package imports nothing from the rest of the gateway: it is a leaf.
 */
package io.uploadgateway.storage.presign;
