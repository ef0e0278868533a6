package io.uploadgateway.bench;

import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.storage.MultipartStorage.PresignedRequest;
import io.uploadgateway.storage.S3MultipartStorage;
import io.uploadgateway.upload.PartPlan;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The CPU cost of the presign call: 1,000 UploadPart URLs (the API's batch limit), each with
 * its own expiry and signed Content-Length, through the gateway's own storage code and the
 * AWS SDK presigner. No network: presigning is pure computation. Report: docs/benchmarks.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PresignBenchmark {

    private S3Presigner presigner;
    private S3MultipartStorage storage;
    private PartPlan plan;

    @Setup(Level.Trial)
    public void setUp() {
        presigner = S3Presigner.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(URI.create("http://127.0.0.1:9000"))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench-key", "bench-secret")))
                .build();
        // Presigning touches neither the async client nor any config but the bucket.
        GatewayConfig config = (GatewayConfig) Proxy.newProxyInstance(GatewayConfig.class.getClassLoader(),
                new Class<?>[]{GatewayConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("bucket")) {
                        return "bench-bucket";
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        storage = new S3MultipartStorage(null, presigner, config);
        long partSize = 16L * 1024 * 1024;
        plan = PartPlan.of(1000 * partSize - 12345, partSize, partSize, PartPlan.MAX_OBJECT_SIZE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        presigner.close();
    }

    @Benchmark
    public void presignThousandParts(Blackhole sink) {
        for (int n = 1; n <= 1000; n++) {
            PresignedRequest url = storage.presignUploadPart("uploads/bench/0000/movie.mp4", "upload-id-123", n,
                    plan.sizeOf(n), Duration.ofSeconds(900 + n));
            sink.consume(url);
        }
    }

    @Benchmark
    public PresignedRequest presignOnePart() {
        return storage.presignUploadPart("uploads/bench/0000/movie.mp4", "upload-id-123", 7, plan.sizeOf(7),
                Duration.ofSeconds(900));
    }
}
