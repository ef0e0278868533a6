package io.uploadgateway.upload.read;


import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.events.read.EventQueries;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.ledger.AdminListing;
import io.uploadgateway.upload.ledger.Keyset;
import io.uploadgateway.upload.ledger.OperatorLedger.StoreStats;
import io.uploadgateway.upload.ledger.OperatorLedger;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
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

    /**
     * How far back the stats count ended uploads: {@code byState} of an ended state is how many
     * uploads ended in it since {@code endedSince} (now minus this), exactly. A count of every ended
     * upload the ledger keeps would read the whole table (3.1 s at 10 M uploads); totals since the
     * start are Prometheus counters ({@link UploadMetrics}).
     */
    public static final Duration ENDED_WINDOW = Duration.ofHours(24);

    /**
     * {@code byState} has every state: an open state (UPLOADING, COMPLETING, ABORTING) counts every
     * upload in it; an ended state counts the uploads that ended in it at or after {@code endedSince}.
     */
    public record Stats(Map<String, Long> byState, Instant endedSince, long stalled, long bytesInFlight, Instant oldestStalledAt,
                        Map<String, StoreStats> byStore, EventBacklog events) {
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
        Instant endedSince = clock.instant().minus(ENDED_WINDOW).truncatedTo(ChronoUnit.MICROS);
        return ledger.session(() -> operators.stats(stalledBefore(), endedSince)).map(stats -> {
            metrics.stalled(stats.stalled());
            Map<String, Long> byState = new LinkedHashMap<>();
            stats.byState().forEach((state, count) -> byState.put(state.name(), count));
            return new Stats(byState, stats.endedSince(), stats.stalled(), stats.bytesInFlight(), stats.oldestStalledAt(),
                    stats.byStore(), null);
        }).flatMap(stats -> events.backlog().map(backlog -> new Stats(stats.byState(), stats.endedSince(), stats.stalled(),
                stats.bytesInFlight(), stats.oldestStalledAt(), stats.byStore(),
                new EventBacklog(events.webhooksOn(), backlog.pending(), backlog.oldestPendingSince(),
                        events.ageSeconds(backlog.oldestPendingSince()), backlog.dead()))));
    }
}
