package io.uploadgateway.upload.process;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.uploadgateway.upload.StepOutcome.Verdict;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The processing stage's meters: how long uploads spend in it (assembled → served or quarantined),
 * each step's verdicts, and whether the scanner answered at its last call.
 */
@ApplicationScoped
class ProcessingMetrics {

    private final MeterRegistry registry;
    private final Timer time;
    private final AtomicInteger scannerUp = new AtomicInteger(-1);
    private Gauge scannerGauge;

    ProcessingMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.time = Timer.builder("gateway.processing.duration")
                .description("Time from an object assembled to its upload served or quarantined")
                .publishPercentileHistogram(false)
                .register(registry);
    }

    /** Every verdict series of these steps, at zero from the start (a series that appears late breaks {@code rate()}). */
    void steps(Iterable<String> names) {
        for (String step : names) {
            for (Verdict verdict : List.of(Verdict.PASSED, Verdict.SKIPPED, Verdict.FAILED)) {
                counter(step, verdict.name());
            }
        }
    }

    /** Exports {@code gateway_scanner_up}: 1 when clamd answered its last call, 0 when it did not. */
    void scannerConfigured() {
        scannerUp.set(1);
        scannerGauge = Gauge.builder("gateway.scanner.up", scannerUp, AtomicInteger::get)
                .description("1 when clamd answered the gateway's last call (scan or ping), 0 when it did not")
                .register(registry);
    }

    void scanner(boolean up) {
        scannerUp.set(up ? 1 : 0);
    }

    void verdict(String step, String verdict) {
        counter(step, verdict).increment();
    }

    private Counter counter(String step, String verdict) {
        return Counter.builder("gateway.processing.verdicts").description("Verdicts of the processing steps")
                .tag("step", step).tag("verdict", verdict).register(registry);
    }

    void settled(Duration inProcessing) {
        time.record(inProcessing);
    }

    /** A gauge reads this object, so it goes with it (see UploadMetrics). */
    @PreDestroy
    void unregister() {
        if (scannerGauge != null) {
            registry.remove(scannerGauge);
        }
        registry.remove(time);
    }
}
