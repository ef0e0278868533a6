package io.uploadgateway.bench;

import io.uploadgateway.storage.presign.ObjectTarget;
import io.uploadgateway.storage.presign.PresignedUrl;
import io.uploadgateway.storage.presign.S3Endpoint;
import io.uploadgateway.storage.presign.SigV4Presigner;
import io.uploadgateway.storage.presign.SigningCredentials;
import io.uploadgateway.storage.presign.UploadPartTarget;
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

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The AWS SDK presigner (what {@code S3MultipartStorage} runs today) against the dedicated SigV4
 * engine, on one thread, same endpoint, credentials and requests: one UploadPart URL, a batch of
 * 1,000 (the API's limit, each with its own expiry and signed Content-Length, as in
 * the presign endpoint), and one GetObject URL with response overrides. The SDK side includes
 * turning its result into url/method/headers/expiry as {@code S3MultipartStorage.describe} does;
 * the engine returns that directly. Run: {@code bench/presign-engine.sh -prof gc}; see
 * {@code bench/README.md}. The SDK's path needs the five warm-up iterations: its first
 * seconds run ten to thirty times slower.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PresignEngineBenchmark {

    private static final String BUCKET = "bench-bucket";
    private static final String KEY = "uploads/bench/0000/movie.mp4";
    private static final String UPLOAD_ID = "upload-id-123";
    private static final long PART_SIZE = 16L * 1024 * 1024;
    private static final long LAST_PART = PART_SIZE - 12345;
    private static final Duration EXPIRY = Duration.ofSeconds(900);
    private static final String DISPOSITION = "attachment; filename=\"movie.mp4\"; filename*=UTF-8''m%C3%B6vie.mp4";

    private S3Presigner presigner;
    private SigV4Presigner engine;
    private SigningCredentials credentials;
    private UploadPartTarget uploadTarget;
    private ObjectTarget objectTarget;

    @Setup(Level.Trial)
    public void setUp() {
        // Else the SDK's signer builds seven debug records per URL (canonical request, string to
        // sign, …) that nobody sees: the anchor would be measured slower than it is.
        BenchLogging.infoAndAbove();
        presigner = S3Presigner.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(URI.create("http://127.0.0.1:9000"))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench-key", "bench-secret")))
                .build();
        engine = new SigV4Presigner(S3Endpoint.custom(URI.create("http://127.0.0.1:9000"), "us-east-1", true));
        credentials = SigningCredentials.of("bench-key", "bench-secret");
        uploadTarget = engine.uploadPartTarget(BUCKET, KEY, UPLOAD_ID);
        objectTarget = engine.objectTarget(BUCKET, KEY);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        presigner.close();
    }

    // ------------------------------------------------------------ one UploadPart URL

    @Benchmark
    public Described sdkUploadPart() {
        return describe(presigner.presignUploadPart(p -> p.signatureDuration(EXPIRY).uploadPartRequest(r -> r
                .bucket(BUCKET).key(KEY).uploadId(UPLOAD_ID).partNumber(7).contentLength(PART_SIZE))));
    }

    /** The target made once per upload, as the engine is meant to be used. */
    @Benchmark
    public PresignedUrl engineUploadPart() {
        return engine.presignUploadPart(uploadTarget, 7, PART_SIZE, EXPIRY, credentials);
    }

    /** A request for a single URL: the target is made for it and thrown away. */
    @Benchmark
    public PresignedUrl engineUploadPartWithNewTarget() {
        return engine.presignUploadPart(engine.uploadPartTarget(BUCKET, KEY, UPLOAD_ID), 7, PART_SIZE, EXPIRY, credentials);
    }

    // ------------------------------------------------------------ 1,000 UploadPart URLs

    @Benchmark
    public void sdkThousandUploadParts(Blackhole sink) {
        for (int n = 1; n <= 1000; n++) {
            long size = n == 1000 ? LAST_PART : PART_SIZE;
            Duration expiry = Duration.ofSeconds(900 + n);
            int part = n;
            sink.consume(describe(presigner.presignUploadPart(p -> p.signatureDuration(expiry).uploadPartRequest(r -> r
                    .bucket(BUCKET).key(KEY).uploadId(UPLOAD_ID).partNumber(part).contentLength(size)))));
        }
    }

    /** One target per batch (per presign request), then 1,000 URLs. */
    @Benchmark
    public void engineThousandUploadParts(Blackhole sink) {
        UploadPartTarget target = engine.uploadPartTarget(BUCKET, KEY, UPLOAD_ID);
        for (int n = 1; n <= 1000; n++) {
            sink.consume(engine.presignUploadPart(target, n, n == 1000 ? LAST_PART : PART_SIZE, Duration.ofSeconds(900 + n),
                    credentials));
        }
    }

    // ------------------------------------------------------------ one GetObject URL

    @Benchmark
    public Described sdkGetObject() {
        return describe(presigner.presignGetObject(p -> p.signatureDuration(EXPIRY).getObjectRequest(r -> r
                .bucket(BUCKET).key(KEY).responseContentDisposition(DISPOSITION).responseContentType("video/mp4"))));
    }

    @Benchmark
    public PresignedUrl engineGetObject() {
        return engine.presignGetObject(objectTarget, DISPOSITION, "video/mp4", EXPIRY, credentials);
    }

    /** What {@code S3MultipartStorage.describe} makes of the SDK's answer. */
    public record Described(String url, String method, Map<String, String> headers, Instant expiresAt) {
    }

    private static Described describe(software.amazon.awssdk.awscore.presigner.PresignedRequest presigned) {
        Map<String, String> headers = new LinkedHashMap<>();
        presigned.signedHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("host")) {
                headers.put(name.equalsIgnoreCase("content-length") ? "Content-Length" : name, String.join(",", values));
            }
        });
        return new Described(presigned.url().toString(), presigned.httpRequest().method().name(), headers,
                presigned.expiration());
    }
}
