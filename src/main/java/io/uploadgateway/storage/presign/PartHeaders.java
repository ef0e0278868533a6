package io.uploadgateway.storage.presign;

import java.util.Objects;

/**
 * Integrity headers to sign into an UploadPart URL besides {@code host} and
 * {@code content-length}; the client must then send exactly these values. Immutable; make one
 * per part (the values differ per part) or reuse {@link #NONE}.
 *
 * <p>The three correspond to what the AWS SDK's presigner signs for an {@code UploadPartRequest}:
 * <ul>
 *   <li>{@link #contentMd5(String)}: {@code .contentMD5(v)}, header {@code Content-MD5}; S3
 *       answers {@code 400 BadDigest} to a body with another MD5;</li>
 *   <li>{@link #checksum(ChecksumAlgorithm, String)}: {@code .checksumSHA256(v)} (or CRC32,
 *       CRC32C, CRC64NVME, SHA1), header {@code x-amz-checksum-sha256}; S3 checks it like the MD5;</li>
 *   <li>{@link #withSdkChecksumAlgorithm(ChecksumAlgorithm)}: {@code .checksumAlgorithm(A)}, header
 *       {@code x-amz-sdk-checksum-algorithm: A}. The SDK signs this header whenever the request
 *       names a checksum algorithm. It only tells S3 which algorithm the request uses: without
 *       the matching {@code x-amz-checksum-*} header (or an aws-chunked trailer, which a
 *       presigned URL cannot have) S3 rejects the request, so use it only together with
 *       {@link #checksum}, and only if S3 needs it. It is one more header a browser must be
 *       allowed to send (CORS).</li>
 * </ul>
 * Values are base64 of the digest bytes and are validated here (length and alphabet), so a
 * malformed value fails when it is made, not at S3.
 */
public final class PartHeaders {

    /** Nothing besides {@code host} (and {@code content-length} when given). */
    public static final PartHeaders NONE = new PartHeaders(null, null, null, null);

    final String contentMd5;
    final ChecksumAlgorithm checksumAlgorithm;
    final String checksumValue;
    final ChecksumAlgorithm sdkChecksumAlgorithm;

    private PartHeaders(String contentMd5, ChecksumAlgorithm checksumAlgorithm, String checksumValue,
                        ChecksumAlgorithm sdkChecksumAlgorithm) {
        this.contentMd5 = contentMd5;
        this.checksumAlgorithm = checksumAlgorithm;
        this.checksumValue = checksumValue;
        this.sdkChecksumAlgorithm = sdkChecksumAlgorithm;
    }

    /** Signs {@code Content-MD5}: the base64 of the part's 16-byte MD5. */
    public static PartHeaders contentMd5(String base64Md5) {
        return NONE.withContentMd5(base64Md5);
    }

    /** Signs {@code x-amz-checksum-<algorithm>}: the base64 of the part's checksum. */
    public static PartHeaders checksum(ChecksumAlgorithm algorithm, String base64Value) {
        return NONE.withChecksum(algorithm, base64Value);
    }

    public PartHeaders withContentMd5(String base64Md5) {
        return new PartHeaders(requireBase64(base64Md5, 24, "Content-MD5"), checksumAlgorithm, checksumValue,
                sdkChecksumAlgorithm);
    }

    public PartHeaders withChecksum(ChecksumAlgorithm algorithm, String base64Value) {
        Objects.requireNonNull(algorithm, "algorithm");
        return new PartHeaders(contentMd5, algorithm,
                requireBase64(base64Value, algorithm.base64Length, algorithm.headerName()), sdkChecksumAlgorithm);
    }

    /** Also signs {@code x-amz-sdk-checksum-algorithm}, as the SDK does for {@code .checksumAlgorithm(...)}. */
    public PartHeaders withSdkChecksumAlgorithm(ChecksumAlgorithm algorithm) {
        return new PartHeaders(contentMd5, checksumAlgorithm, checksumValue, Objects.requireNonNull(algorithm, "algorithm"));
    }

    public String contentMd5() {
        return contentMd5;
    }

    public ChecksumAlgorithm checksumAlgorithm() {
        return checksumAlgorithm;
    }

    public String checksumValue() {
        return checksumValue;
    }

    public ChecksumAlgorithm sdkChecksumAlgorithm() {
        return sdkChecksumAlgorithm;
    }

    private static String requireBase64(String value, int length, String header) {
        Objects.requireNonNull(value, header);
        if (value.length() != length) {
            throw new IllegalArgumentException(header + " must be " + length + " base64 characters, not " + value.length());
        }
        int padding = 0;
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c == '=') {
                padding++;
            } else if (padding > 0 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '/')) {
                throw new IllegalArgumentException(header + " is not base64: " + value);
            }
        }
        if (padding > 2) {
            throw new IllegalArgumentException(header + " is not base64: " + value);
        }
        return value;
    }

    @Override
    public String toString() {
        return "PartHeaders[" + (contentMd5 == null ? "" : "Content-MD5=" + contentMd5 + " ")
                + (checksumAlgorithm == null ? "" : checksumAlgorithm.headerName() + "=" + checksumValue + " ")
                + (sdkChecksumAlgorithm == null ? "" : "x-amz-sdk-checksum-algorithm=" + sdkChecksumAlgorithm) + "]";
    }
}
