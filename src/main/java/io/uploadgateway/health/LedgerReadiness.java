package io.uploadgateway.health;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.upload.ledger.LedgerProbe;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;

/**
 * Ready only while the ledger answers: a {@code SELECT 1} through the reactive pool (never
 * blocking), answered from cache for {@link #CACHE_FOR} so probes from many sources cost one query.
 */
@Readiness
@ApplicationScoped
public class LedgerReadiness implements AsyncHealthCheck {

    static final String NAME = "ledger (PostgreSQL)";
    static final Duration TIMEOUT = Duration.ofSeconds(3);
    static final Duration CACHE_FOR = Duration.ofSeconds(3);

    private final Uni<HealthCheckResponse> cached;

    public LedgerReadiness(LedgerProbe ledger) {
        this.cached = Uni.createFrom().deferred(ledger::ping)
                .ifNoItem().after(TIMEOUT).fail()
                .map(rows -> HealthCheckResponse.up(NAME))
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named(NAME).down()
                        .withData("error", Outages.describe(failure)).build())
                .memoize().atLeast(CACHE_FOR);
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return cached;
    }
}
