package io.uploadgateway.upload;

import io.uploadgateway.storage.MultipartStorage.StoredPart;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The ledger's parts held against S3's ListParts and the part plan. No I/O: every answer is
 * computed from the arguments, so each rule is unit-tested on its own.
 *
 * <p>The rules: a part counts as done only when it lies within the plan with exactly its planned
 * size; S3 is the truth about which bytes exist, the ledger about which ETag the client saw.
 */
public final class PartReconciliation {

    private PartReconciliation() {
    }

    /** A part whose bytes in storage differ from what was planned ({@code size}) or reported ({@code etag}). */
    public record Mismatch(int partNumber, String field, Object expected, Object actual) {
    }

    /**
     * What a completion may do: assemble {@code toComplete} (every planned part as S3 lists it,
     * ETags normalised) when nothing is missing or mismatched.
     */
    public record Verdict(List<Integer> missing, List<Mismatch> mismatched, List<StoredPart> toComplete) {
        public boolean completable() {
            return missing.isEmpty() && mismatched.isEmpty();
        }
    }

    /**
     * The ledger after a reconciliation: {@code parts} is its new content in part order;
     * {@code added} are new rows, {@code dropped} rows to delete. Changed rows were updated in place.
     */
    public record Adoption(List<UploadPart> parts, List<UploadPart> added, List<UploadPart> dropped) {
    }

    /** Checks every planned part: present in S3, with its planned size, with the ETag the client reported (if any). */
    public static Verdict judge(PartPlan plan, Collection<UploadPart> ledger, Collection<StoredPart> listed) {
        if (plan.isOpen()) {
            return judgeOpen(ledger, listed);
        }
        Map<Integer, StoredPart> inStorage = byNumber(listed);
        Map<Integer, UploadPart> reported = new HashMap<>();
        ledger.forEach(p -> reported.put(p.partNumber, p));

        List<Integer> missing = new ArrayList<>();
        List<Mismatch> mismatched = new ArrayList<>();
        List<StoredPart> toComplete = new ArrayList<>(plan.partCount());
        for (int n = 1; n <= plan.partCount(); n++) {
            StoredPart s3 = inStorage.get(n);
            if (s3 == null) {
                missing.add(n);
                continue;
            }
            long expected = plan.sizeOf(n);
            String s3Etag = UploadRules.normaliseEtag(s3.etag());
            UploadPart mine = reported.get(n);
            if (s3.size() != expected) {
                mismatched.add(new Mismatch(n, "size", expected, s3.size()));
            } else if (mine != null && !mine.etag.equals(s3Etag)) {
                mismatched.add(new Mismatch(n, "etag", mine.etag, s3Etag));
            }
            toComplete.add(new StoredPart(n, s3Etag, s3.size(), s3.lastModified(), s3.checksum()));
        }
        return new Verdict(missing, mismatched, toComplete);
    }

    /**
     * The additional checksums to complete with: the one the store reports for a part, else the
     * one its URL was last signed for. A part whose reported checksum differs from the signed one
     * is a mismatch (field {@code checksum}): the store holds bytes the client did not sign for.
     */
    public record Checksums(List<StoredPart> toComplete, List<Mismatch> mismatched) {
    }

    public static Checksums checksums(List<StoredPart> toComplete, Map<Integer, String> signed) {
        List<StoredPart> parts = new ArrayList<>(toComplete.size());
        List<Mismatch> mismatched = new ArrayList<>();
        for (StoredPart part : toComplete) {
            String mine = signed.get(part.partNumber());
            if (part.checksum() == null) {
                parts.add(part.withChecksum(mine));
                continue;
            }
            if (mine != null && !mine.equals(part.checksum())) {
                mismatched.add(new Mismatch(part.partNumber(), "checksum", mine, part.checksum()));
            }
            parts.add(part);
        }
        return new Checksums(parts, mismatched);
    }

    /**
     * An open-sized upload: every part S3 lists is assembled, in order (S3 allows gaps in the
     * numbers); none listed is a missing part 1. A part whose ETag the client reported must carry
     * that ETag in storage.
     */
    private static Verdict judgeOpen(Collection<UploadPart> ledger, Collection<StoredPart> listed) {
        Map<Integer, UploadPart> reported = new HashMap<>();
        ledger.forEach(p -> reported.put(p.partNumber, p));
        List<Mismatch> mismatched = new ArrayList<>();
        List<StoredPart> toComplete = new ArrayList<>();
        listed.stream().filter(p -> p.partNumber() >= 1 && p.partNumber() <= PartPlan.MAX_PARTS)
                .sorted(Comparator.comparingInt(StoredPart::partNumber)).forEach(s3 -> {
                    String s3Etag = UploadRules.normaliseEtag(s3.etag());
                    UploadPart mine = reported.get(s3.partNumber());
                    if (mine != null && !mine.etag.equals(s3Etag)) {
                        mismatched.add(new Mismatch(s3.partNumber(), "etag", mine.etag, s3Etag));
                    }
                    toComplete.add(new StoredPart(s3.partNumber(), s3Etag, s3.size(), s3.lastModified(), s3.checksum()));
                });
        // A reported part that storage does not hold is missing.
        List<Integer> missing = new ArrayList<>(reported.keySet().stream()
                .filter(n -> toComplete.stream().noneMatch(p -> p.partNumber() == n)).sorted().toList());
        if (toComplete.isEmpty() && missing.isEmpty()) {
            missing.add(1);
        }
        return new Verdict(missing, mismatched, toComplete);
    }

    /**
     * The parts a client names at completion (number to ETag, as Uppy sends them): each must be in
     * storage with that ETag (quoted or not). Answers the listing narrowed to those parts, so that
     * {@link #judge} then checks them against the plan; or a verdict that refuses (missing or
     * mismatched parts).
     */
    public record Reported(List<StoredPart> listed, Verdict refusal) {
    }

    public static Reported reported(Map<Integer, String> etags, Collection<StoredPart> listed) {
        Map<Integer, StoredPart> inStorage = byNumber(listed);
        List<Integer> missing = new ArrayList<>();
        List<Mismatch> mismatched = new ArrayList<>();
        List<StoredPart> narrowed = new ArrayList<>();
        etags.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            StoredPart s3 = inStorage.get(e.getKey());
            String expected = UploadRules.normaliseEtag(e.getValue());
            if (s3 == null) {
                missing.add(e.getKey());
            } else if (!UploadRules.normaliseEtag(s3.etag()).equals(expected)) {
                mismatched.add(new Mismatch(e.getKey(), "etag", expected, UploadRules.normaliseEtag(s3.etag())));
            } else {
                narrowed.add(s3);
            }
        });
        Verdict refusal = missing.isEmpty() && mismatched.isEmpty() ? null : new Verdict(missing, mismatched, List.of());
        return new Reported(narrowed, refusal);
    }

    /** The total length of the parts a verdict would assemble. */
    public static long totalOf(Verdict verdict) {
        return verdict.toComplete().stream().mapToLong(StoredPart::size).sum();
    }

    /**
     * Sync: S3 wins for every part it lists within the plan (new ones adopted, changed ETags or
     * sizes taken over); ledger parts S3 does not list are dropped, unless they were recorded
     * after {@code listedAt} (a client racing the sync).
     */
    public static Adoption adopt(UUID uploadId, PartPlan plan, List<UploadPart> ledger, Collection<StoredPart> listed,
                                 Instant listedAt, Instant now) {
        Map<Integer, UploadPart> result = new HashMap<>();
        ledger.forEach(p -> result.put(p.partNumber, p));
        Map<Integer, StoredPart> inStorage = new HashMap<>();
        listed.stream().filter(p -> p.partNumber() >= 1 && p.partNumber() <= plan.partCount())
                .forEach(p -> inStorage.put(p.partNumber(), p));

        List<UploadPart> added = new ArrayList<>();
        List<UploadPart> dropped = new ArrayList<>();
        for (StoredPart s3 : inStorage.values()) {
            UploadPart mine = result.get(s3.partNumber());
            String etag = UploadRules.normaliseEtag(s3.etag());
            if (mine == null) {
                UploadPart adopted = fromStorage(uploadId, s3, etag, now);
                result.put(s3.partNumber(), adopted);
                added.add(adopted);
            } else if (mine.uploadedAt.isBefore(listedAt) && (!mine.etag.equals(etag) || mine.size != s3.size())) {
                mine.etag = etag;
                mine.size = s3.size();
            }
        }
        for (UploadPart mine : ledger) {
            if (!inStorage.containsKey(mine.partNumber) && mine.uploadedAt.isBefore(listedAt)) {
                result.remove(mine.partNumber);
                dropped.add(mine);
            }
        }
        return new Adoption(inPartOrder(result.values()), added, dropped);
    }

    /** After CompleteMultipartUpload: the ledger holds exactly the parts S3 assembled; unknown ones are added. */
    public static Adoption assembled(UUID uploadId, List<UploadPart> ledger, List<StoredPart> assembled, Instant now) {
        Map<Integer, UploadPart> known = new HashMap<>();
        ledger.forEach(p -> known.put(p.partNumber, p));
        List<UploadPart> parts = new ArrayList<>(assembled.size());
        List<UploadPart> added = new ArrayList<>();
        for (StoredPart s3 : assembled) {
            UploadPart mine = known.get(s3.partNumber());
            if (mine == null) {
                mine = fromStorage(uploadId, s3, s3.etag(), now);
                added.add(mine);
            }
            parts.add(mine);
        }
        return new Adoption(inPartOrder(parts), added, List.of());
    }

    /** The parts that count as done: within the plan, with exactly their planned size. */
    public static List<UploadPart> counted(PartPlan plan, Collection<UploadPart> parts) {
        return parts.stream()
                .filter(p -> p.partNumber >= 1 && p.partNumber <= plan.partCount()
                        && (plan.isOpen() || p.size == plan.sizeOf(p.partNumber)))
                .toList();
    }

    /** Planned part numbers without a counted part, ascending. */
    public static List<Integer> missing(PartPlan plan, Collection<UploadPart> parts) {
        if (plan.isOpen()) {
            return List.of(); // nothing is planned, so nothing is known to be missing
        }
        boolean[] done = new boolean[plan.partCount() + 1];
        counted(plan, parts).forEach(p -> done[p.partNumber] = true);
        List<Integer> missing = new ArrayList<>();
        for (int n = 1; n <= plan.partCount(); n++) {
            if (!done[n]) {
                missing.add(n);
            }
        }
        return missing;
    }

    private static UploadPart fromStorage(UUID uploadId, StoredPart s3, String etag, Instant now) {
        Instant uploadedAt = s3.lastModified() == null ? now : s3.lastModified().truncatedTo(ChronoUnit.MICROS);
        return UploadPart.of(uploadId, s3.partNumber(), etag, s3.size(), uploadedAt);
    }

    private static Map<Integer, StoredPart> byNumber(Collection<StoredPart> listed) {
        Map<Integer, StoredPart> map = new HashMap<>();
        listed.forEach(p -> map.put(p.partNumber(), p));
        return map;
    }

    private static List<UploadPart> inPartOrder(Collection<UploadPart> parts) {
        return parts.stream().sorted(Comparator.comparingInt(p -> p.partNumber)).toList();
    }
}
