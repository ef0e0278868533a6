package io.uploadgateway.storage;

import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.config.StorageConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * The default store's S3 client: the one {@code quarkus.s3.*} configures (endpoint, region,
 * credentials), finished with what that configuration cannot say (as every named store's client is):
 * <ul>
 *   <li>bounds on every call: call and attempt timeouts, connect and connection-acquisition
 *       timeouts, and the CRT client's minimum-throughput health check, so a hung or crawling S3
 *       endpoint fails calls instead of piling them up ({@code gateway.storage.*});</li>
 *   <li>checksums only when S3 requires them: since SDK 2.30 the default computes CRC32 request
 *       checksums and validates response checksums on every call, which S3-compatible stores
 *       without that feature refuse;</li>
 *   <li>{@code Content-MD5} where the S3 API requires a checksum (bucket CORS and lifecycle
 *       configuration): the SDK now sends only {@code x-amz-checksum-crc32} there, which older
 *       S3-compatible stores (Scality CloudServer, Ceph before Reef) refuse.</li>
 * </ul>
 */
@ApplicationScoped
public class S3ClientProducer {

    @Produces
    @ApplicationScoped
    S3AsyncClient s3(S3AsyncClientBuilder builder, GatewayConfig config,
                     @ConfigProperty(name = "quarkus.s3.path-style-access", defaultValue = "false") boolean pathStyle,
                     @ConfigProperty(name = "quarkus.s3.accelerate-mode", defaultValue = "false") boolean accelerate) {
        return finish(builder, config.storage(), pathStyle, accelerate);
    }

    /** Any store's client, finished the same way: the default store's above, the named stores' in {@link Stores}. */
    static S3AsyncClient finish(S3AsyncClientBuilder builder, StorageConfig bounds, boolean pathStyle, boolean accelerate) {
        ClientOverrideConfiguration configured = builder.overrideConfiguration();
        ClientOverrideConfiguration.Builder override = configured == null ? ClientOverrideConfiguration.builder() : configured.toBuilder();
        return builder
                .httpClientBuilder(AwsCrtAsyncHttpClient.builder()
                        .maxConcurrency(bounds.maxConnections())
                        .connectionTimeout(bounds.connectTimeout())
                        .connectionAcquisitionTimeout(bounds.acquireTimeout())
                        .connectionHealthConfiguration(health -> health
                                .minimumThroughputInBps(bounds.minThroughputBytesPerSecond())
                                .minimumThroughputTimeout(bounds.minThroughputTimeout())))
                .overrideConfiguration(override
                        .apiCallTimeout(bounds.callTimeout())
                        .apiCallAttemptTimeout(bounds.attemptTimeout())
                        .build())
                // The extension's S3Configuration carries the legacy checksum switch, which the SDK
                // refuses beside the settings below: rebuilt with the same addressing, without it.
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(pathStyle).accelerateModeEnabled(accelerate).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .addPlugin(LegacyMd5Plugin.create())
                .build();
    }

    void close(@Disposes S3AsyncClient s3) {
        s3.close();
    }
}
