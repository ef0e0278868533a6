package io.uploadgateway.upload.sign;

import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.upload.PartPlan;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The parts a presign or lease call asks for: either bare part numbers ({@code partNumbers}) or
 * parts with the digests their URLs are to be signed for ({@code parts: [{partNumber, contentMd5?,
 * checksum?}]}), never both in one call. Pure validation, no I/O: the digests' shape is checked
 * here; whether the upload takes a {@code checksum} is checked against the upload by the caller.
 */
public final class PartRequests {

    private PartRequests() {
    }

    /** One part to sign, with its optional base64 Content-MD5 and additional checksum. */
    public record Asked(int partNumber, String contentMd5, String checksum) {

        public static Asked of(int partNumber) {
            return new Asked(partNumber, null, null);
        }
    }

    /** One entry of a request's {@code parts}, as the client sent it (anything may be missing). */
    public record Entry(Integer partNumber, String contentMd5, String checksum) {
    }

    /**
     * The parts asked for, in the order asked, duplicates answered once (a part listed twice must
     * carry the same digests both times). {@code null} when neither form is given and {@code
     * optional} (a lease of every remaining part); otherwise 1 to {@code max} parts.
     */
    public static List<Asked> of(List<Integer> partNumbers, List<Entry> parts, int max, boolean optional) {
        if (partNumbers != null && parts != null) {
            throw ApiProblem.invalid("give either partNumbers or parts (with each part's contentMd5 or checksum), not both");
        }
        if (parts == null) {
            if (partNumbers == null && optional) {
                return null;
            }
            return numbers(partNumbers, max).stream().map(Asked::of).toList();
        }
        if (parts.isEmpty()) {
            throw ApiProblem.invalid("parts must list 1 to " + max + " parts: [{\"partNumber\": 1, \"contentMd5\": \"<base64>\"}]");
        }
        if (parts.size() > max) {
            throw ApiProblem.invalid("at most " + max + " parts per call, got " + parts.size());
        }
        Map<Integer, Asked> unique = new LinkedHashMap<>();
        for (Entry entry : parts) {
            if (entry == null) {
                throw ApiProblem.invalid("parts must not contain null");
            }
            int n = partNumber(entry.partNumber());
            Asked asked = new Asked(n, md5(n, entry.contentMd5()), entry.checksum());
            Asked earlier = unique.putIfAbsent(n, asked);
            if (earlier != null && !earlier.equals(asked)) {
                throw ApiProblem.invalid("part " + n + " is listed twice with different digests");
            }
        }
        return List.copyOf(unique.values());
    }

    /** 1 to {@code max} part numbers within S3's range, without duplicates, in the order asked. */
    static List<Integer> numbers(List<Integer> partNumbers, int max) {
        if (partNumbers == null || partNumbers.isEmpty()) {
            throw ApiProblem.invalid("partNumbers is required: a list of 1 to " + max + " part numbers"
                    + " (or parts: [{\"partNumber\", \"contentMd5\"?, \"checksum\"?}])");
        }
        if (partNumbers.size() > max) {
            throw ApiProblem.invalid("at most " + max + " part numbers per call, got " + partNumbers.size());
        }
        List<Integer> unique = new ArrayList<>(partNumbers.size());
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (Integer n : partNumbers) {
            if (seen.add(partNumber(n))) {
                unique.add(n);
            }
        }
        return unique;
    }

    private static int partNumber(Integer n) {
        if (n == null || n < 1 || n > PartPlan.MAX_PARTS) {
            throw ApiProblem.invalid("part numbers must be integers from 1 to " + PartPlan.MAX_PARTS + ", got " + n);
        }
        return n;
    }

    /** A Content-MD5 is the standard base64 (padded, 24 characters) of the 16 bytes of the part's MD5. */
    static String md5(int partNumber, String value) {
        if (value == null) {
            return null;
        }
        if (!isBase64Of(value, 16)) {
            throw ApiProblem.invalid("contentMd5 of part " + partNumber + " must be the base64 of the part's 16-byte MD5 digest"
                    + " (24 characters, e.g. \"1B2M2Y8AsgTpgAmY7PhCfg==\"), got \"" + shortened(value) + "\"");
        }
        return value;
    }

    /** True when {@code value} is the canonical padded base64 of exactly {@code bytes} bytes. */
    public static boolean isBase64Of(String value, int bytes) {
        Objects.requireNonNull(value);
        if (value.length() != 4 * ((bytes + 2) / 3)) {
            return false;
        }
        try {
            byte[] decoded = Base64.getDecoder().decode(value);
            return decoded.length == bytes && Base64.getEncoder().encodeToString(decoded).equals(value);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static String shortened(String value) {
        String printable = value.replaceAll("[^\\x20-\\x7E]", "?");
        return printable.length() > 60 ? printable.substring(0, 60) + "…" : printable;
    }
}
