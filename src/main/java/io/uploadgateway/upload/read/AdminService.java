package io.uploadgateway.upload.read;


import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.events.read.EventQueries;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.ledger.AdminListing;
import io.uploadgateway.upload.ledger.Keyset;
import io.uploadgateway.upload.ledger.OperatorLedger;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Read side of the operators' view: listings across owners and the ledger's vital signs. */
@ApplicationScoped
public class AdminService {

    private final UploadLedger ledger;
    private final OperatorLedger operators;
    private final GatewayConfig config;
    private final Clock clock;
    private final UploadMetrics metrics;
    private final EventQueries events;

    public AdminService(UploadLedger ledger, OperatorLedger operators, GatewayConfig config, Clock clock,
                        UploadMetrics metrics, EventQueries events) {
        this.ledger = ledger;
        this.operators = operators;
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.events = events;
    }

    public record Stats(Map<String, Long> byState, long stalled, long bytesInFlight, Instant oldestStalledAt,
                        EventBacklog events) {
    }

    /** The webhook backlog: events waiting (and since when the oldest waits) and events that gave up. */
    public record EventBacklog(boolean webhooks, long pending, Instant oldestPendingAt, long oldestPendingAgeSeconds, long dead) {
    }

    /** Filters of the operators' listing; {@code idleBefore} is now minus the idle threshold, if any. */
    public record Query(UploadState state, Instant idleBefore, String owner, String cursor, int limit) {
    }

    /** A page of every owner's uploads, most idle first; {@code nextCursor} is null on the last page. */
    public record Listing(List<Upload> items, String nextCursor) {
    }

    public Uni<Listing> list(Query query) {
        Keyset after = Keyset.parse(query.cursor());
        var filter = new AdminListing.Filter(query.state(), query.idleBefore(), query.owner(),
                after, query.limit());
        return ledger.session(() -> operators.page(filter)).map(page -> new Listing(page.items(), page.more()
                ? new Keyset(page.last().lastActivityAt, page.last().id).encode() : null));
    }

    /** The moment before which an idle UPLOADING upload counts as stalled. */
    public Instant stalledBefore() {
        return clock.instant().minus(config.stalledAfter()).truncatedTo(ChronoUnit.MICROS);
    }

    public Uni<Stats> stats() {
        return ledger.session(() -> operators.stats(stalledBefore())).map(stats -> {
            metrics.stalled(stats.stalled());
            Map<String, Long> byState = new LinkedHashMap<>();
            stats.byState().forEach((state, count) -> byState.put(state.name(), count));
            return new Stats(byState, stats.stalled(), stats.bytesInFlight(), stats.oldestStalledAt(), null);
        }).flatMap(stats -> events.backlog().map(backlog -> new Stats(stats.byState(), stats.stalled(), stats.bytesInFlight(),
                stats.oldestStalledAt(), new EventBacklog(events.webhooksOn(), backlog.pending(), backlog.oldestPendingSince(),
                events.ageSeconds(backlog.oldestPendingSince()), backlog.dead()))));
    }
}
