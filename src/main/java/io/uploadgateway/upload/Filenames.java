package io.uploadgateway.upload;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.regex.Pattern;

/**
 * The rules for client-supplied filenames: what is accepted (API.md) and how an accepted name
 * becomes the last, storage-safe segment of an object key.
 */
public final class Filenames {

    public static final int MAX_BYTES = 255;
    /** Longest sanitised key segment; keeps whole keys far below S3's 1,024-byte limit. */
    static final int MAX_SEGMENT_BYTES = 200;
    // Compiled once: every create sanitises its filename.
    private static final Pattern REPEATED_UNDERSCORES = Pattern.compile("_{2,}");
    private static final Pattern REPEATED_DOTS = Pattern.compile("\\.{2,}");
    private static final Pattern LEADING_DOTS_AND_UNDERSCORES = Pattern.compile("^[._]+");

    private Filenames() {
    }

    /**
     * Returns null when {@code filename} is acceptable, otherwise a sentence telling the
     * client what to change.
     */
    public static String problemWith(String filename) {
        if (filename == null || filename.isEmpty()) {
            return "filename is required";
        }
        int bytes = filename.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            return "filename must be at most " + MAX_BYTES + " UTF-8 bytes, got " + bytes;
        }
        for (int i = 0; i < filename.length(); ) {
            int cp = filename.codePointAt(i);
            if (Character.isSurrogate((char) cp) && Character.charCount(cp) == 1) {
                return "filename is not valid UTF-8 text";
            }
            if (Character.getType(cp) == Character.CONTROL) {
                return String.format("filename must not contain control characters (found U+%04X)", cp);
            }
            if (isDirectionControl(cp)) {
                return String.format("filename must not contain invisible text-direction controls (found U+%04X): "
                        + "they make a name display differently from what it is", cp);
            }
            if (cp == '/' || cp == '\\') {
                return "filename must not contain '/' or '\\'; send the base name only";
            }
            i += Character.charCount(cp);
        }
        if (filename.isBlank()) {
            return "filename must not be blank";
        }
        if (filename.equals(".") || filename.equals("..")) {
            return "filename must not be '.' or '..'";
        }
        return null;
    }

    /**
     * Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the
     * invisible direction marks (U+200E, U+200F, U+061C): with them {@code "invoice\u202Efdp.exe"}
     * displays as {@code invoiceexe.pdf}. Other format characters (e.g. the zero-width joiner of
     * emoji sequences) stay allowed.
     */
    static boolean isDirectionControl(int cp) {
        return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)
                || cp == 0x200E || cp == 0x200F || cp == 0x061C;
    }

    /**
     * A key segment safe on every S3-compatible store: letters and digits of any script,
     * {@code . _ - ( )}; anything else becomes {@code _}. Never starts with a dot, never empty,
     * at most {@value #MAX_SEGMENT_BYTES} UTF-8 bytes with the extension kept.
     */
    public static String sanitise(String name) {
        String normalised = Normalizer.normalize(name == null ? "" : name, Normalizer.Form.NFC);
        StringBuilder out = new StringBuilder(normalised.length());
        normalised.codePoints().forEach(cp -> {
            boolean safe = Character.isLetterOrDigit(cp) || cp == '.' || cp == '_' || cp == '-' || cp == '(' || cp == ')';
            out.appendCodePoint(safe ? cp : '_');
        });
        String cleaned = REPEATED_UNDERSCORES.matcher(out).replaceAll("_");
        cleaned = REPEATED_DOTS.matcher(cleaned).replaceAll(".");
        cleaned = LEADING_DOTS_AND_UNDERSCORES.matcher(cleaned).replaceAll("");
        if (cleaned.isEmpty()) {
            cleaned = "file";
        }
        return truncateKeepingExtension(cleaned, MAX_SEGMENT_BYTES);
    }

    private static String truncateKeepingExtension(String name, int maxBytes) {
        if (utf8Length(name) <= maxBytes) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        String extension = dot > 0 && name.length() - dot <= 16 ? name.substring(dot) : "";
        String stem = extension.isEmpty() ? name : name.substring(0, dot);
        int budget = maxBytes - utf8Length(extension);
        StringBuilder kept = new StringBuilder();
        int used = 0;
        for (int i = 0; i < stem.length(); ) {
            int cp = stem.codePointAt(i);
            int len = utf8Length(new String(Character.toChars(cp)));
            if (used + len > budget) {
                break;
            }
            kept.appendCodePoint(cp);
            used += len;
            i += Character.charCount(cp);
        }
        return kept + extension;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
