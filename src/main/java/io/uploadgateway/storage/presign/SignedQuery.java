package io.uploadgateway.storage.presign;

/** The authentication part of a presigned URL's query, in the order the AWS SDK writes it. */
final class SignedQuery {

    // The URL's own parameter order is the SDK's: request parameters, then the token, then these.
    private static final byte[] URL_TOKEN_PARAM = AsciiBuffer.ascii("X-Amz-Security-Token=");
    private static final byte[] URL_ALGORITHM_AND_DATE = AsciiBuffer.ascii("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=");
    private static final byte[] URL_CREDENTIAL_PARAM = AsciiBuffer.ascii("&X-Amz-Credential=");
    private static final byte[] URL_SIGNATURE_PARAM = AsciiBuffer.ascii("&X-Amz-Signature=");

    private SignedQuery() {
    }

    /** {@code [X-Amz-Security-Token=..&]X-Amz-Algorithm=..&X-Amz-Date=..&X-Amz-SignedHeaders=..&X-Amz-Credential=..&X-Amz-Expires=..&X-Amz-Signature=..} */
    static void putAuthParams(AsciiBuffer u, SigningCredentials credentials, byte[] dateTime, SigningKeyCache.SigningKey key,
                              long expires, byte[] signature, boolean signLength, PartHeaders headers) {
        if (credentials.encodedSessionToken != null) {
            u.put(URL_TOKEN_PARAM).put(credentials.encodedSessionToken).put((byte) '&');
        }
        u.put(URL_ALGORITHM_AND_DATE).put(dateTime);
        u.put(SigV4Presigner.SIGNED_HEADERS_PARAM);
        putSignedHeaders(u, signLength, headers, SigV4Presigner.ENCODED_SEMICOLON);
        u.put(URL_CREDENTIAL_PARAM).put(key.encodedCredential);
        u.put(SigV4Presigner.EXPIRES_PARAM).putDecimal(expires);
        u.put(URL_SIGNATURE_PARAM).putHex(signature, 0, 32);
    }

    /** The signed header names in canonical (sorted) order, joined by {@code separator}. */
    static void putSignedHeaders(AsciiBuffer b, boolean signLength, PartHeaders headers, byte[] separator) {
        if (signLength) {
            b.put(SigV4Presigner.CONTENT_LENGTH).put(separator);
        }
        if (headers.contentMd5 != null) {
            b.put(SigV4Presigner.CONTENT_MD5).put(separator);
        }
        b.put(SigV4Presigner.HOST);
        if (headers.checksumAlgorithm != null) {
            b.put(separator).put(headers.checksumAlgorithm.headerLine, 0, headers.checksumAlgorithm.headerLine.length - 1);
        }
        if (headers.sdkChecksumAlgorithm != null) {
            b.put(separator).put(SigV4Presigner.SDK_CHECKSUM_ALGORITHM);
        }
    }
}
