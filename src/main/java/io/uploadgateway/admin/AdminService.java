package io.uploadgateway.admin;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadState;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Read side of the operators' view: listings across owners and the ledger's vital signs. */
@ApplicationScoped
public class AdminService {

    private final GatewayConfig config;
    private final Clock clock;
    private final StalledGauge stalledGauge;

    public AdminService(GatewayConfig config, Clock clock, StalledGauge stalledGauge) {
        this.config = config;
        this.clock = clock;
        this.stalledGauge = stalledGauge;
    }

    public record Page(List<Upload> items, String nextCursor) {
    }

    public record Stats(Map<String, Long> byState, long stalled, long bytesInFlight, Instant oldestStalledAt) {
    }

    public Uni<Page> list(AdminQuery.Filter filter) {
        AdminQuery query = AdminQuery.of(filter);
        return Panache.withSession(() -> Panache.getSession().flatMap(session -> {
            var nativeQuery = session.createNativeQuery(query.sql(), Upload.class);
            query.parameters().forEach(nativeQuery::setParameter);
            return nativeQuery.getResultList();
        })).map(rows -> {
            if (rows.size() > filter.limit()) {
                List<Upload> items = rows.subList(0, filter.limit());
                Upload last = items.get(items.size() - 1);
                return new Page(items, new AdminQuery.Cursor(last.lastActivityAt, last.id).encode());
            }
            return new Page(rows, null);
        });
    }

    /** The moment before which an idle UPLOADING upload counts as stalled. */
    public Instant stalledBefore() {
        return clock.instant().minus(config.stalledAfter()).truncatedTo(ChronoUnit.MICROS);
    }

    public Uni<Stats> stats() {
        Instant stalledBefore = stalledBefore();
        return Panache.withSession(() -> Panache.getSession().flatMap(session -> session
                .createNativeQuery("select state, count(*) from uploads group by state", Object[].class)
                .getResultList()
                .flatMap(counts -> session.createNativeQuery("""
                                select count(*) filter (where last_activity_at < :stalledBefore),
                                       min(last_activity_at) filter (where last_activity_at < :stalledBefore),
                                       coalesce(sum(bytes_uploaded), 0)
                                from uploads where state = 'UPLOADING'""", Object[].class)
                        .setParameter("stalledBefore", stalledBefore)
                        .getSingleResult()
                        .map(active -> {
                            Map<String, Long> byState = new LinkedHashMap<>();
                            for (UploadState state : UploadState.values()) {
                                byState.put(state.name(), 0L);
                            }
                            for (Object[] row : counts) {
                                byState.put((String) row[0], ((Number) row[1]).longValue());
                            }
                            long stalled = ((Number) active[0]).longValue();
                            stalledGauge.set(stalled);
                            return new Stats(byState, stalled, toLong(active[2]), toInstant(active[1]));
                        }))));
    }

    private static long toLong(Object value) {
        return value instanceof BigDecimal big ? big.longValueExact() : ((Number) value).longValue();
    }

    static Instant toInstant(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (value instanceof java.time.LocalDateTime ldt) {
            return ldt.toInstant(java.time.ZoneOffset.UTC);
        }
        if (value instanceof java.util.Date date) {
            return date.toInstant();
        }
        throw new IllegalStateException("unexpected timestamp type " + value.getClass());
    }
}
