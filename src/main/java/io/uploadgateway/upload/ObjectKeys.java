package io.uploadgateway.upload;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Builds object keys; the client never chooses one. A key is
 * {@code <root><owner segment>/<uploadId>/<sanitised filename>}.
 *
 * <p>The owner segment is {@code <slug>-<hash>}: the slug is a short, readable hint of the owner
 * (at most {@value #SLUG_LENGTH} of {@code [a-z0-9_]}; e-mail-like subjects, anything with an
 * {@code @}, get the fixed slug {@value #EMAIL_SLUG}, so neither the local part nor the domain
 * of an address reaches the bucket), and the hash is the first {@value #HASH_LENGTH} characters
 * (120 bits) of the lowercase base32 SHA-256 of the whole {@code sub}. Distinct subjects get
 * distinct segments ({@code auth0|1} and {@code auth0_1} share a slug, not a hash), and the
 * segment's length does not grow with the subject's.
 */
public final class ObjectKeys {

    static final int SLUG_LENGTH = 16;
    static final int HASH_LENGTH = 24;
    static final String EMAIL_SLUG = "email";

    private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
    private static final Pattern OWNER_SEGMENT = Pattern.compile("[a-z0-9_]{1," + SLUG_LENGTH + "}-[a-z2-7]{" + HASH_LENGTH + "}");
    private static final Pattern UPLOAD_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private ObjectKeys() {
    }

    /**
     * Where a single-request upload's form writes: {@code <staging root><uploadId>}. The caller can
     * write there for as long as the form is valid; only completion copies what it checked from
     * there to the upload's key.
     */
    public static String stagingFor(String stagingRoot, UUID uploadId) {
        return stagingRoot + uploadId;
    }

    /** The upload a key under {@code stagingRoot} stages, if it is exactly a staging key this gateway builds. */
    public static Optional<UUID> stagedUpload(String stagingRoot, String key) {
        if (key == null || !key.startsWith(stagingRoot)) {
            return Optional.empty();
        }
        String id = key.substring(stagingRoot.length());
        return UPLOAD_ID.matcher(id).matches() ? Optional.of(UUID.fromString(id)) : Optional.empty();
    }

    /**
     * Where a quarantined object is kept: {@code <root>quarantine/} and the rest of its key, so
     * nothing that serves or sweeps uploads' keys meets it ({@code quarantine} is no deployment id:
     * those are twelve characters).
     */
    public static String quarantineFor(String root, String key) {
        return root + "quarantine/" + (key.startsWith(root) ? key.substring(root.length()) : key);
    }

    /** {@code <root><owner segment>/<uploadId>/<sanitised filename>}; the upload id keeps every key unique. */
    public static String forUpload(String root, String owner, UUID uploadId, String filename) {
        return root + ownerSegment(owner) + "/" + uploadId + "/" + Filenames.sanitise(filename);
    }

    /** The owner's key segment: {@code <slug>-<hash>}, injective in the subject (see the class comment). */
    public static String ownerSegment(String owner) {
        if (owner == null || owner.isEmpty()) {
            throw new IllegalArgumentException("an object key needs an owner");
        }
        return slug(owner) + "-" + hash(owner);
    }

    /**
     * Whether {@code key} is exactly one this gateway builds under {@code root}: a non-empty root,
     * then an owner segment, a canonical (lowercase) upload id and a sanitised filename, nothing
     * more. Keys other applications keep under the same prefix do not match. With an empty root
     * nothing matches: without a prefix of its own the gateway claims no key.
     */
    public static boolean isGatewayKey(String root, String key) {
        if (root == null || root.isEmpty() || !root.endsWith("/") || key == null || !key.startsWith(root)) {
            return false;
        }
        String[] segments = key.substring(root.length()).split("/", -1);
        return segments.length == 3
                && OWNER_SEGMENT.matcher(segments[0]).matches()
                && UPLOAD_ID.matcher(segments[1]).matches()
                && !segments[2].isEmpty()
                && Filenames.sanitise(segments[2]).equals(segments[2]);
    }

    static String slug(String owner) {
        if (owner.indexOf('@') >= 0) {
            return EMAIL_SLUG;
        }
        StringBuilder slug = new StringBuilder(SLUG_LENGTH);
        boolean gap = false;
        for (int i = 0; i < owner.length() && slug.length() < SLUG_LENGTH; i++) {
            char c = Character.toLowerCase(owner.charAt(i));
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                if (gap && slug.length() > 0) {
                    slug.append('_');
                    if (slug.length() == SLUG_LENGTH) {
                        break;
                    }
                }
                slug.append(c);
                gap = false;
            } else {
                gap = true;
            }
        }
        return slug.length() == 0 ? "u" : slug.toString();
    }

    static String hash(String owner) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(owner.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        StringBuilder out = new StringBuilder(HASH_LENGTH);
        int buffer = 0;
        int bits = 0;
        for (byte b : digest) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5 && out.length() < HASH_LENGTH) {
                out.append(BASE32.charAt((buffer >>> (bits - 5)) & 31));
                bits -= 5;
            }
            if (out.length() == HASH_LENGTH) {
                break;
            }
        }
        return out.toString();
    }
}
