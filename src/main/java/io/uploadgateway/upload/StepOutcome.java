package io.uploadgateway.upload;

import java.time.Instant;

/**
 * One line of an upload's processing record: a step's verdict ({@code scan}, {@code webhook}), or
 * an operator's release or delete of a quarantined upload. Kept on the upload in the order they
 * happened and carried by its events: the audit trail of why it is served, or not.
 *
 * @param step    the step's name, or {@code operator}
 * @param verdict what it decided
 * @param detail  why, in a few words (the signature found, the app's reason, who released it); may be null
 * @param at      when, as an ISO-8601 instant
 */
public record StepOutcome(String step, Verdict verdict, String detail, String at) {

    public enum Verdict {
        /** The step cleared the object. */
        PASSED,
        /** The step did not look at the object, by configuration (e.g. over the scan limit with {@code over-limit=skip}). */
        SKIPPED,
        /** The step found the object must not be served: the upload is quarantined. */
        FAILED,
        /** An operator overrode the verdict: the upload is served. */
        RELEASED,
        /** An operator deleted the quarantined object. */
        DELETED
    }

    public static StepOutcome of(String step, Verdict verdict, String detail, Instant at) {
        return new StepOutcome(step, verdict, detail, at.toString());
    }

    /** Whether the upload may go on to its next step after this outcome. */
    public boolean lets() {
        return verdict == Verdict.PASSED || verdict == Verdict.SKIPPED;
    }
}
