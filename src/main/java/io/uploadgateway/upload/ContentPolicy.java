package io.uploadgateway.upload;

import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MediaTypeRegistry;
import org.apache.tika.mime.MimeTypes;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which content types an upload may declare, and whether the type detected from the object's
 * bytes is consistent with the declared one. Pure: media types and their hierarchy come from
 * Apache Tika's registry, nothing is read here.
 *
 * <p>Consistent means: the same type after aliases are resolved, or one a specialisation of the
 * other (every type specialises {@code application/octet-stream}, so bytes Tika cannot identify
 * never contradict a declaration), or the same kind of media (video, audio, image: containers vary,
 * {@code video/quicktime} for a phone's {@code video/mp4}). A ZIP or an executable declared as a
 * video is not.
 */
public final class ContentPolicy {

    /** Types a browser may render inline from the bucket's origin without risk to the page that links them. */
    public static final Set<String> SAFE_INLINE = Set.of("image/png", "image/jpeg", "image/gif", "image/webp", "image/avif",
            "video/mp4", "video/webm", "audio/mpeg", "audio/ogg", "audio/wav", "application/pdf", "text/plain");

    private static final MediaTypeRegistry REGISTRY = MimeTypes.getDefaultMimeTypes().getMediaTypeRegistry();
    private static final Set<String> MEDIA_KINDS = Set.of("video", "audio", "image");

    private final List<String> allowed;

    private ContentPolicy(List<String> allowed) {
        this.allowed = allowed;
    }

    /** Patterns like {@code video/*}, {@code image/png} or {@code *}{@code /*}. */
    public static ContentPolicy allowing(List<String> patterns) {
        return new ContentPolicy(patterns.stream().map(p -> p.strip().toLowerCase(Locale.ROOT)).filter(p -> !p.isEmpty()).toList());
    }

    /** Whether a content type (parameters ignored) matches one of the allowed patterns. */
    public boolean allows(String contentType) {
        String base = baseOf(contentType);
        String major = base.substring(0, base.indexOf('/'));
        return allowed.stream().anyMatch(p -> p.equals("*/*") || p.equals(base) || p.equals(major + "/*"));
    }

    /** Null when the detected bytes are consistent with the declaration and allowed; otherwise why not. */
    public String problemWith(String declared, String detected) {
        MediaType claimed = normalise(declared);
        MediaType found = normalise(detected);
        boolean consistent = claimed.equals(found)
                || REGISTRY.isSpecializationOf(found, claimed)
                || REGISTRY.isSpecializationOf(claimed, found)
                || (claimed.getType().equals(found.getType()) && MEDIA_KINDS.contains(found.getType()));
        if (!consistent) {
            return "the upload was declared as " + claimed + " but its bytes are " + found;
        }
        // Bytes Tika cannot identify vouch for nothing: the declaration stands.
        MediaType effective = found.equals(MediaType.OCTET_STREAM) ? claimed : found;
        return allows(effective.toString()) ? null : "its bytes are " + effective + ", which this gateway does not accept";
    }

    /** Whether a download of this type may be shown inline rather than saved. */
    public static boolean safeInline(String contentType) {
        return SAFE_INLINE.contains(baseOf(contentType));
    }

    private static MediaType normalise(String contentType) {
        MediaType parsed = MediaType.parse(baseOf(contentType));
        return parsed == null ? MediaType.OCTET_STREAM : REGISTRY.normalize(parsed).getBaseType();
    }

    private static String baseOf(String contentType) {
        String base = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return base.contains("/") ? base : "application/octet-stream";
    }
}
