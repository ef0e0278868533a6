package io.uploadgateway.storage.presign;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer for ASCII text, reused per thread: the canonical request, the string to
 * sign and the URL are written into one of these without creating intermediate strings.
 * Not thread-safe.
 */
final class AsciiBuffer {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX_UPPER = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    byte[] bytes;
    int length;

    AsciiBuffer(int capacity) {
        bytes = new byte[capacity];
    }

    AsciiBuffer reset() {
        length = 0;
        return this;
    }

    private void ensure(int extra) {
        int needed = length + extra;
        if (needed > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(needed, bytes.length * 2));
        }
    }

    AsciiBuffer put(byte b) {
        ensure(1);
        bytes[length++] = b;
        return this;
    }

    AsciiBuffer put(byte[] source) {
        return put(source, 0, source.length);
    }

    AsciiBuffer put(byte[] source, int offset, int count) {
        ensure(count);
        System.arraycopy(source, offset, bytes, length, count);
        length += count;
        return this;
    }

    /** Appends a string known to be ASCII (validated by the caller). */
    AsciiBuffer putAscii(String ascii) {
        int n = ascii.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            bytes[length++] = (byte) ascii.charAt(i);
        }
        return this;
    }

    /** Appends a non-negative decimal number. */
    AsciiBuffer putDecimal(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("negative: " + value);
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        ensure(digits);
        int end = length + digits;
        long v = value;
        for (int i = end - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        }
        length = end;
        return this;
    }

    /** Appends lowercase hex, as SigV4 wants for hashes and signatures. */
    AsciiBuffer putHex(byte[] source, int offset, int count) {
        ensure(count * 2);
        for (int i = 0; i < count; i++) {
            int b = source[offset + i] & 0xFF;
            bytes[length++] = HEX[b >>> 4];
            bytes[length++] = HEX[b & 0x0F];
        }
        return this;
    }

    /**
     * Appends {@code value} URI-encoded the way S3 and the AWS SDK want it: UTF-8, every byte but
     * the unreserved {@code A-Z a-z 0-9 - . _ ~} percent-encoded with uppercase hex; with
     * {@code keepSlash}, {@code /} is kept (object key paths). An unpaired surrogate becomes
     * {@code ?} (so {@code %3F}), as {@link String#getBytes} and the SDK's
     * {@code URLEncoder}-based encoder do.
     */
    AsciiBuffer putUriEncoded(String value, boolean keepSlash) {
        int n = value.length();
        ensure(n * 3);
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                if (isUnreserved(c) || (keepSlash && c == '/')) {
                    bytes[length++] = (byte) c;
                } else {
                    percent(c);
                }
            } else {
                // up to 12 output bytes for this character, and room for the rest as ASCII
                ensure(12 + (n - i) * 3);
                if (c < 0x800) {
                    percent(0xC0 | (c >>> 6));
                    percent(0x80 | (c & 0x3F));
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, value.charAt(++i));
                    percent(0xF0 | (cp >>> 18));
                    percent(0x80 | ((cp >>> 12) & 0x3F));
                    percent(0x80 | ((cp >>> 6) & 0x3F));
                    percent(0x80 | (cp & 0x3F));
                } else if (Character.isSurrogate(c)) {
                    percent('?');
                } else {
                    percent(0xE0 | (c >>> 12));
                    percent(0x80 | ((c >>> 6) & 0x3F));
                    percent(0x80 | (c & 0x3F));
                }
            }
        }
        return this;
    }

    private void percent(int b) {
        bytes[length++] = '%';
        bytes[length++] = HEX_UPPER[(b >>> 4) & 0x0F];
        bytes[length++] = HEX_UPPER[b & 0x0F];
    }

    static boolean isUnreserved(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, length);
    }

    /** The content as a String; ASCII only, so one copy into a compact Latin-1 string. */
    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] uriEncoded(String value, boolean keepSlash) {
        return new AsciiBuffer(value.length() * 3 + 16).putUriEncoded(value, keepSlash).toByteArray();
    }
}
