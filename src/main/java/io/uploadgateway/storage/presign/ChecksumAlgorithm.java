package io.uploadgateway.storage.presign;

import java.nio.charset.StandardCharsets;

/**
 * The additional checksums S3 accepts on UploadPart, as {@code x-amz-checksum-*} headers holding
 * the base64 of the checksum's big-endian bytes.
 */
public enum ChecksumAlgorithm {
    CRC32("x-amz-checksum-crc32", 4),
    CRC32C("x-amz-checksum-crc32c", 4),
    CRC64NVME("x-amz-checksum-crc64nvme", 8),
    SHA1("x-amz-checksum-sha1", 20),
    SHA256("x-amz-checksum-sha256", 32);

    private final String headerName;
    private final int bytes;
    final byte[] headerLine;
    final byte[] sdkAlgorithmValue;
    /** The length of the base64 value: 4 * ceil(bytes / 3). */
    final int base64Length;

    ChecksumAlgorithm(String headerName, int bytes) {
        this.headerName = headerName;
        this.bytes = bytes;
        this.headerLine = (headerName + ":").getBytes(StandardCharsets.US_ASCII);
        this.sdkAlgorithmValue = name().getBytes(StandardCharsets.US_ASCII);
        this.base64Length = 4 * ((bytes + 2) / 3);
    }

    /** The checksum's length in bytes (its base64 is {@code 4 * ceil(bytes / 3)} characters). */
    public int bytes() {
        return bytes;
    }

    /** The lowercase header name, e.g. {@code x-amz-checksum-sha256}. */
    public String headerName() {
        return headerName;
    }
}
