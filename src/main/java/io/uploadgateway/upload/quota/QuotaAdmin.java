package io.uploadgateway.upload.quota;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.upload.ledger.QuotaLedger;
import io.uploadgateway.upload.ledger.QuotaLedger.Override;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Owners' usage against their quotas, and the per-owner overrides operators set. */
@ApplicationScoped
public class QuotaAdmin {

    private final UploadLedger ledger;
    private final QuotaLedger quotas;
    private final Quotas limits;
    private final Clock clock;

    public QuotaAdmin(UploadLedger ledger, QuotaLedger quotas, Quotas limits, Clock clock) {
        this.ledger = ledger;
        this.quotas = quotas;
        this.limits = limits;
        this.clock = clock;
    }

    /** One owner: the limits in force (override or configuration), whether overridden, the usage. */
    public record OwnerQuota(String owner, Integer maxActiveUploads, Long maxBytesInFlight, boolean overridden,
                             long activeUploads, long bytesInFlight) {
    }

    public record UsagePage(List<OwnerQuota> items, String nextCursor) {
    }

    /** Owners with open uploads by name, after {@code afterOwner}; {@code nextCursor} is the last owner of a full page. */
    public Uni<UsagePage> usage(String afterOwner, int size) {
        return ledger.session(() -> quotas.usages(afterOwner, size + 1)).map(rows -> {
            List<OwnerQuota> items = rows.stream().limit(size).map(row -> view(row.usage(), row.override())).toList();
            return new UsagePage(items, rows.size() > size ? items.get(items.size() - 1).owner() : null);
        });
    }

    public Uni<OwnerQuota> of(String owner) {
        return ledger.session(() -> quotas.override(owner).flatMap(override -> quotas.usage(owner).map(usage -> view(usage, override))));
    }

    /** Sets the owner's override; a null limit keeps the configured one. */
    public Uni<OwnerQuota> override(String owner, Integer maxActiveUploads, Long maxBytesInFlight) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return ledger.transaction(() -> quotas.putOverride(new Override(owner, maxActiveUploads, maxBytesInFlight, now)))
                .chain(() -> of(owner));
    }

    public Uni<Boolean> removeOverride(String owner) {
        return ledger.transaction(() -> quotas.removeOverride(owner));
    }

    private OwnerQuota view(QuotaLedger.Usage usage, Override override) {
        Quotas.Limits effective = limits.effective(override);
        return new OwnerQuota(usage.owner(), effective.maxActiveUploads(), effective.maxBytesInFlight(), override != null,
                usage.activeUploads(), usage.bytesInFlight());
    }
}
