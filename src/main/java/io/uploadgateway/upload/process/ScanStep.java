package io.uploadgateway.upload.process;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.ScanConfig;
import io.uploadgateway.outbound.Clamd;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.StepOutcome;
import io.uploadgateway.upload.StepOutcome.Verdict;
import io.uploadgateway.upload.Upload;

import java.time.Clock;

/**
 * The virus scan: the object streamed from its store to clamd ({@code INSTREAM}) through this
 * worker, at most two chunks ({@code gateway.scan.chunk-size}) in memory: one sent while the next is read. clamd's word is the
 * verdict: OK passes, a signature fails the upload. An object over {@code gateway.scan.max-size}
 * (or over clamd's own stream limit) follows {@code gateway.scan.over-limit}: quarantined, or the
 * scan skipped and recorded as SKIPPED. clamd unreachable, slow or confused, or the store
 * unavailable: no verdict yet ({@link ProcessingStep.Pending}).
 */
final class ScanStep implements ProcessingStep {

    static final String NAME = "scan";

    private final Clamd clamd;
    private final Stores stores;
    private final ScanConfig config;
    private final ProcessingMetrics metrics;
    private final Clock clock;
    private final boolean skipOverLimit;

    ScanStep(Clamd clamd, Stores stores, ScanConfig config, ProcessingMetrics metrics, Clock clock) {
        this.clamd = clamd;
        this.stores = stores;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.skipOverLimit = config.overLimit().equals("skip");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String describe() {
        return "scan (clamd at " + clamd.address() + ", up to " + config.maxSize().asLongValue() + " bytes, over it: "
                + config.overLimit() + ")";
    }

    @Override
    public Uni<StepOutcome> judge(Upload upload) {
        long size = upload.size;
        if (size > config.maxSize().asLongValue()) {
            return Uni.createFrom().item(overLimit(size + " bytes, over the scan limit of " + config.maxSize().asLongValue()));
        }
        int chunk = (int) Math.min(Integer.MAX_VALUE, config.chunkSize().asLongValue());
        return clamd.scan(size, config.timeout(), offset -> stores.storage(upload.store)
                        .readRange(upload.key, offset, (int) Math.min(chunk, size - offset)))
                .invoke(() -> metrics.scanner(true))
                .map(verdict -> switch (verdict.finding()) {
                    case CLEAN -> outcome(Verdict.PASSED, "clean");
                    case INFECTED -> outcome(Verdict.FAILED, verdict.detail());
                    case TOO_LARGE -> overLimit(size + " bytes, over clamd's StreamMaxLength");
                })
                .onFailure(Clamd.Unavailable.class).invoke(() -> metrics.scanner(false))
                .onFailure().transform(failure -> new Pending(failure.getMessage(), failure));
    }

    private StepOutcome overLimit(String why) {
        return outcome(skipOverLimit ? Verdict.SKIPPED : Verdict.FAILED, why);
    }

    private StepOutcome outcome(Verdict verdict, String detail) {
        return StepOutcome.of(NAME, verdict, detail, clock.instant());
    }

    /** Asks clamd whether it is there, for the availability gauge. */
    Uni<Void> ping() {
        return clamd.ping().invoke(() -> metrics.scanner(true))
                .onFailure().invoke(() -> metrics.scanner(false));
    }

    void close() {
        clamd.close();
    }
}
