package io.uploadgateway.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.storage.BucketBootstrap;
import io.uploadgateway.storage.MultipartStorage.BucketProbe;
import io.uploadgateway.storage.Store;
import io.uploadgateway.storage.Stores;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ready while a store's bucket answers (storage's bucket probe: HeadBucket, never blocking, cached
 * for {@link #CACHE_FOR}) and, where {@code gateway.manage-bucket} asks for it, has its CORS rule
 * (without it every browser upload fails at the preflight); with several stores, while at least
 * one does. The data also say which additional
 * checksums the store checks. Each answer, error answers included, also tells the clock skew
 * between this host and object storage.
 */
@Readiness
@ApplicationScoped
public class StorageReadiness implements AsyncHealthCheck {

    static final String NAME = "bucket (S3)";
    static final Duration TIMEOUT = Duration.ofSeconds(3);
    static final Duration CACHE_FOR = Duration.ofSeconds(3);

    static final String UP_METRIC = "gateway.storage.up";

    private final Uni<HealthCheckResponse> cached;
    /** Each store's last answer for {@link #UP_METRIC}: 1 up, 0 down, -1 not probed yet. */
    private final Map<String, AtomicLong> upByStore = new LinkedHashMap<>();
    private final List<Gauge> gauges = new ArrayList<>();
    private final MeterRegistry registry;

    public StorageReadiness(Stores stores, ClockSkew clockSkew, BucketBootstrap bootstrap, MeterRegistry registry) {
        this.registry = registry;
        List<Store> all = List.copyOf(stores.all());
        for (Store store : all) {
            AtomicLong up = new AtomicLong(-1);
            upByStore.put(store.name(), up);
            gauges.add(Gauge.builder(UP_METRIC, up, value -> value.get() < 0 ? Double.NaN : value.get())
                    .description("Whether the store's bucket answered, and has its managed CORS rule, at the last readiness probe")
                    .tag("store", store.name()).register(registry));
        }
        List<Uni<StoreState>> probes = all.stream()
                .map(store -> Uni.createFrom().deferred(() -> store.storage().probeBucket(TIMEOUT))
                        .map(probe -> new StoreState(store, probe, bootstrap.corsProblem(store))))
                .toList();
        this.cached = Uni.combine().all().unis(probes).with(StoreState.class, states -> {
                    states.forEach(state -> upByStore.get(state.store().name()).set(state.up() ? 1 : 0));
                    return answer(states, clockSkew);
                })
                .memoize().atLeast(CACHE_FOR);
    }

    /** One store's answer: whether its bucket answered and whether browsers can reach it. */
    private record StoreState(Store store, BucketProbe probe, Optional<String> cors) {
        boolean up() {
            return probe.up() && cors.isEmpty();
        }

        String summary() {
            return up() ? "UP (bucket " + store.bucket() + ")"
                    : "DOWN (bucket " + store.bucket() + ": " + (probe.up() ? cors.get() : probe.error()) + ")";
        }
    }

    /**
     * UP while at least one store is (its uploads keep working; the others' answer 503). The default
     * store's state is in the top-level data ({@code bucket}, {@code error}, {@code cors},
     * {@code checksums}), every store's under {@code store.<name>} when there are several.
     */
    private static HealthCheckResponse answer(List<StoreState> states, ClockSkew clockSkew) {
        StoreState first = states.get(0);
        HealthCheckResponseBuilder builder = HealthCheckResponse.named(NAME)
                .status(states.stream().anyMatch(StoreState::up))
                .withData("bucket", first.store().bucket())
                .withData("checksums", first.store().capabilities().checksums().how());
        if (!first.probe().up()) {
            builder.withData("error", first.probe().error());
        }
        first.cors().ifPresent(problem -> builder.withData("cors", problem));
        if (states.size() > 1) {
            states.forEach(state -> builder.withData("store." + state.store().name(), state.summary()));
        }
        return withSkew(builder, clockSkew.observe(first.probe().date())).build();
    }

    /** A gauge reads this bean, so it goes with it (as {@code UploadMetrics}' stalled gauge). */
    @PreDestroy
    void unregister() {
        gauges.forEach(registry::remove);
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return cached;
    }

    /** Keeps the clock-skew gauge fresh even where nothing probes readiness. */
    @Scheduled(every = "60s", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> refresh() {
        return cached.replaceWithVoid();
    }

    private static HealthCheckResponseBuilder withSkew(HealthCheckResponseBuilder builder, OptionalLong skew) {
        if (skew.isPresent()) {
            builder.withData("clockSkewSeconds", skew.getAsLong());
            if (ClockSkew.worrying(skew.getAsLong())) {
                builder.withData("clockSkewWarning", "the local clock is " + skew.getAsLong()
                        + " s off object storage's; S3 refuses signatures more than "
                        + ClockSkew.S3_LIMIT.getSeconds() + " s off, so presigned URLs may fail");
            }
        }
        return builder;
    }
}
