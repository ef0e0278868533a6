package io.uploadgateway.upload.quota;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.ledger.CreateLedger;
import io.uploadgateway.upload.ledger.QuotaLedger;
import io.uploadgateway.upload.ledger.QuotaLedger.Override;
import io.uploadgateway.upload.ledger.QuotaLedger.Usage;
import io.quarkus.runtime.configuration.MemorySize;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;

/**
 * Per-owner limits: open uploads and bytes in flight, from configuration or an operator's
 * override. Bytes in flight are what open uploads reserve ({@code Upload#reservedBytes}): checked
 * before S3 is asked for anything, and again, race-free, in the transaction that records a new
 * upload or raises a reservation (an owner lock serialises those of one owner when a limit applies).
 */
@ApplicationScoped
public class Quotas {

    /** Seconds a client over quota should wait: long enough for some of its uploads to end. */
    static final String RETRY_AFTER = "60";

    private final QuotaLedger ledger;
    private final CreateLedger creates;
    private final Integer defaultMaxActive;
    private final Long defaultMaxBytes;

    public Quotas(QuotaLedger ledger, CreateLedger creates, GatewayConfig config) {
        this.ledger = ledger;
        this.creates = creates;
        this.defaultMaxActive = config.quota().maxActiveUploads().isPresent() ? config.quota().maxActiveUploads().getAsInt() : null;
        this.defaultMaxBytes = config.quota().maxBytesInFlight().map(MemorySize::asLongValue).orElse(null);
    }

    /** The limits that apply to an owner; a null limit is unlimited. */
    public record Limits(Integer maxActiveUploads, Long maxBytesInFlight) {

        boolean unlimited() {
            return maxActiveUploads == null && maxBytesInFlight == null;
        }
    }

    /** The owner's limits, read in the caller's session. */
    public Uni<Limits> limitsOf(String owner) {
        return ledger.override(owner).map(this::effective);
    }

    /** The owner's limits as committed, for a create's first look (no session). */
    public Uni<Limits> limitsBeforeCreate(String owner) {
        return creates.override(owner).map(this::effective);
    }

    /**
     * A create's first look: a 429 when one more upload of {@code size} bytes would exceed the
     * owner's {@code limits} as usage stands now. Nothing is read for an owner without limits.
     */
    public Uni<Void> check(String owner, long size, Limits limits) {
        return limits.unlimited() ? Uni.createFrom().voidItem()
                : creates.usage(owner).invoke(usage -> refuseBeyond(limits, usage, size)).replaceWithVoid();
    }

    /**
     * The same decision, to be taken again under the owner's quota lock in the transaction that
     * records the upload ({@code CreateLedger#record}); null for an owner with no limit at all (none
     * configured, no override): nothing to race for, no lock and no query, so that owner's
     * parallel creates never queue behind one another. An override committed after
     * {@code limits} were read applies from the next create on, as if it had been set a moment later.
     */
    public QuotaLedger.Check underLock(String owner, long size, Limits limits) {
        return limits.unlimited() ? null : new QuotaLedger.Check(owner, usage -> refuseBeyond(limits, usage, size));
    }

    /**
     * Raises what an open upload (locked by the caller) holds of its owner's bytes quota to
     * {@code bytes}: a 429 when the owner's open uploads would then hold more than the bytes quota,
     * decided under the owner's quota lock. Nothing to do when it already holds that much. In the
     * caller's transaction.
     */
    public Uni<Void> reserve(Upload upload, long bytes, Instant now) {
        if (bytes <= upload.reservedBytes) {
            return Uni.createFrom().voidItem();
        }
        return limitsOf(upload.owner).flatMap(limits -> limits.maxBytesInFlight() == null
                        ? Uni.createFrom().voidItem()
                        : ledger.lockOwner(upload.owner).chain(() -> ledger.usage(upload.owner)).invoke(usage -> {
                            long after = usage.bytesInFlight() - upload.reservedBytes + bytes;
                            if (after > limits.maxBytesInFlight()) {
                                throw exceeded("maxBytesInFlight", limits.maxBytesInFlight(), usage.bytesInFlight(),
                                        "upload " + upload.id + " would hold " + bytes + " bytes, putting the owner at " + after
                                                + " bytes in flight, over the limit of " + limits.maxBytesInFlight());
                            }
                        }).replaceWithVoid())
                .invoke(() -> upload.reserve(bytes, now));
    }

    /**
     * The bytes the owner may still put in flight (a 429 when one more upload would exceed either
     * quota), or null when unlimited: a form's first look, as usage stands now.
     */
    public Uni<Long> remainingBytes(String owner, Limits limits) {
        return limits.unlimited() ? Uni.createFrom().<Long>nullItem()
                : creates.usage(owner).map(usage -> {
                    refuseBeyond(limits, usage, 1); // room for at least one byte, else a 429 now rather than a refused POST
                    return limits.maxBytesInFlight() == null ? null : Math.max(0, limits.maxBytesInFlight() - usage.bytesInFlight());
                });
    }

    public Limits effective(Override override) {
        if (override == null) {
            return new Limits(defaultMaxActive, defaultMaxBytes);
        }
        return new Limits(override.maxActiveUploads() != null ? override.maxActiveUploads() : defaultMaxActive,
                override.maxBytesInFlight() != null ? override.maxBytesInFlight() : defaultMaxBytes);
    }

    private static void refuseBeyond(Limits limits, Usage usage, long size) {
        if (limits.maxActiveUploads() != null && usage.activeUploads() + 1 > limits.maxActiveUploads()) {
            throw exceeded("maxActiveUploads", limits.maxActiveUploads(), usage.activeUploads(),
                    "the owner has " + usage.activeUploads() + " open upload(s), the most allowed is " + limits.maxActiveUploads());
        }
        if (limits.maxBytesInFlight() != null && usage.bytesInFlight() + size > limits.maxBytesInFlight()) {
            throw exceeded("maxBytesInFlight", limits.maxBytesInFlight(), usage.bytesInFlight(),
                    "the owner has " + usage.bytesInFlight() + " bytes in flight; " + size + " more would exceed the limit of "
                            + limits.maxBytesInFlight());
        }
    }

    private static RuntimeException exceeded(String quota, long limit, long usage, String detail) {
        return ErrorCode.QUOTA_EXCEEDED.problem(detail + "; retry when some of its uploads have ended")
                .with("quota", quota).with("limit", limit).with("usage", usage)
                .withHeader("Retry-After", RETRY_AFTER);
    }
}
