package io.uploadgateway.upload;

import java.nio.charset.StandardCharsets;

/** RFC 6266 Content-Disposition values carrying the original filename in any script. */
public final class ContentDisposition {

    private ContentDisposition() {
    }

    /**
     * {@code attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded}: the
     * quoted form for old clients (non-ASCII, quotes and backslashes replaced), the
     * RFC 8187 extended form for everyone else.
     */
    public static String of(String type, String filename) {
        if (!type.equals("attachment") && !type.equals("inline")) {
            throw new IllegalArgumentException("disposition must be attachment or inline");
        }
        return type + "; filename=\"" + asciiFallback(filename) + "\"; filename*=UTF-8''" + encodeRfc8187(filename);
    }

    static String asciiFallback(String filename) {
        StringBuilder out = new StringBuilder();
        filename.codePoints().forEach(cp -> {
            boolean plain = cp >= 0x20 && cp < 0x7f && cp != '"' && cp != '\\' && cp != '%';
            out.append(plain ? (char) cp : '_');
        });
        return out.toString();
    }

    /** attr-char of RFC 8187: ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else percent-encoded. */
    static String encodeRfc8187(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean attrChar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$&+-.^_`|~".indexOf(c) >= 0;
            if (attrChar) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
