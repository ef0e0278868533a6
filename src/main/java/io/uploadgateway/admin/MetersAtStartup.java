package io.uploadgateway.admin;

import io.quarkus.arc.ClientProxy;
import io.quarkus.runtime.StartupEvent;
import io.uploadgateway.upload.UploadMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Every {@code gateway_*} meter exists from startup, at zero (the Prometheus convention: a series
 * that appears only after its first event breaks {@code rate()} and absence alerts). The beans
 * that own the meters register them in their constructors, and they are {@code @ApplicationScoped},
 * so created on first use; this creates them when the application starts.
 * ({@code gateway_storage_clock_skew_seconds} belongs to {@code ClockSkew}, already a startup bean.)
 */
@ApplicationScoped
public class MetersAtStartup {

    void register(@Observes StartupEvent event, UploadMetrics uploads, StalledGauge stalled, Janitor janitor) {
        // A client proxy creates its bean only when first called: unwrapping it asks for the instance.
        ClientProxy.unwrap(uploads);
        ClientProxy.unwrap(stalled);
        ClientProxy.unwrap(janitor);
    }
}
