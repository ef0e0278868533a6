package io.uploadgateway.storage.presign;

import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import java.security.DigestException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * One thread's digests, MAC and buffers for {@link SigV4Presigner}: reused URL after URL, so
 * signing allocates essentially the URL string and its result.
 */
final class SigningScratch {

    private static final byte[] ALGORITHM_LINE = AsciiBuffer.ascii("AWS4-HMAC-SHA256\n");

    final MessageDigest sha256;
    final Mac mac;
    /** The signing key {@link #mac} was initialised with. */
    SigningKeyCache.SigningKey macKey;
    final AsciiBuffer canonical = new AsciiBuffer(1024);
    final AsciiBuffer toSign = new AsciiBuffer(256);
    final AsciiBuffer url = new AsciiBuffer(1024);
    final byte[] digest = new byte[32];
    final byte[] signature = new byte[32];
    long dateSecond = Long.MIN_VALUE;
    final byte[] dateTime = new byte[16];
    long headersLength = -1;
    Map<String, String> lengthOnlyHeaders;

    SigningScratch() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
            mac = Mac.getInstance("HmacSHA256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 / HmacSHA256 unavailable", e);
        }
    }

    byte[] dateTime(long second) {
        if (second != dateSecond) {
            SigV4Time.writeDateTime(second, dateTime, 0);
            dateSecond = second;
        }
        return dateTime;
    }

    /** hex(HMAC(key, "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex(SHA256(canonical)))) */
    byte[] sign(AsciiBuffer canonicalRequest, byte[] dateTime, SigningKeyCache.SigningKey key) {
        try {
            sha256.update(canonicalRequest.bytes, 0, canonicalRequest.length);
            sha256.digest(digest, 0, 32);
            AsciiBuffer t = toSign.reset();
            t.put(ALGORITHM_LINE).put(dateTime).put((byte) '\n').put(key.scope).put((byte) '\n').putHex(digest, 0, 32);
            if (macKey != key) {
                macKey = null;
                mac.init(key.key);
                macKey = key;
            }
            mac.update(t.bytes, 0, t.length);
            mac.doFinal(signature, 0);
            return signature;
        } catch (DigestException | InvalidKeyException | ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    Map<String, String> requiredHeaders(boolean signLength, long contentLength, PartHeaders headers) {
        boolean md5 = headers.contentMd5 != null;
        boolean checksum = headers.checksumAlgorithm != null;
        boolean sdk = headers.sdkChecksumAlgorithm != null;
        if (!md5 && !checksum && !sdk) {
            if (!signLength) {
                return Map.of();
            }
            // Parts of one upload mostly share a size: reuse the immutable map.
            if (contentLength != headersLength) {
                lengthOnlyHeaders = Map.of("Content-Length", Long.toString(contentLength));
                headersLength = contentLength;
            }
            return lengthOnlyHeaders;
        }
        String[] kv = new String[8];
        int n = 0;
        if (signLength) {
            kv[n++] = "Content-Length";
            kv[n++] = Long.toString(contentLength);
        }
        if (md5) {
            kv[n++] = "Content-MD5";
            kv[n++] = headers.contentMd5;
        }
        if (checksum) {
            kv[n++] = headers.checksumAlgorithm.headerName();
            kv[n++] = headers.checksumValue;
        }
        if (sdk) {
            kv[n++] = "x-amz-sdk-checksum-algorithm";
            kv[n++] = headers.sdkChecksumAlgorithm.name();
        }
        switch (n) {
            case 2:
                return Map.of(kv[0], kv[1]);
            case 4:
                return Map.of(kv[0], kv[1], kv[2], kv[3]);
            case 6:
                return Map.of(kv[0], kv[1], kv[2], kv[3], kv[4], kv[5]);
            default:
                return Map.of(kv[0], kv[1], kv[2], kv[3], kv[4], kv[5], kv[6], kv[7]);
        }
    }
}
