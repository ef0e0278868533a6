package io.uploadgateway.upload.sign;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.ledger.UploadLedger;
import io.uploadgateway.problem.ApiProblem;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Fresh URLs for parts, each signed for its exact length and for the requested lifetime (capped
 * by configuration and by the signing credentials' own expiry). No S3 round trip: signing is CPU
 * work, done off the event loop.
 */
@ApplicationScoped
public class SignParts {

    public static final int MAX_BATCH = 1000;

    private final MultipartStorage storage;
    private final UploadLedger ledger;
    private final SigningWindow window;
    private final GatewayConfig config;
    private final Clock clock;
    private final UploadMetrics metrics;

    public SignParts(MultipartStorage storage, UploadLedger ledger, SigningWindow window, GatewayConfig config, Clock clock,
                     UploadMetrics metrics) {
        this.storage = storage;
        this.ledger = ledger;
        this.window = window;
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
    }

    public record SignedPart(int partNumber, SignedUrl url) {
    }

    public Uni<List<SignedPart>> sign(Scope scope, UUID id, List<Integer> partNumbers, Long expiresInSeconds) {
        List<Integer> numbers = validPartNumbers(partNumbers);
        Duration requested = window.requested(expiresInSeconds);

        return ledger.transaction(() -> ledger.find(scope, id).flatMap(upload -> {
                    upload.requireUploading();
                    List<Integer> outOfPlan = numbers.stream().filter(n -> n > upload.partCount).toList();
                    if (!outOfPlan.isEmpty()) {
                        throw ApiProblem.invalid("part numbers " + outOfPlan + " are outside 1.." + upload.partCount
                                + " (this upload has " + upload.partCount + " parts)");
                    }
                    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                    // A plain UPDATE, not a lock: presigning stays cheap. Zero rows means the janitor or
                    // an abort ended the upload since it was read.
                    return ledger.touch(upload.id, now, now.plus(config.uploadTtl())).map(touched -> {
                        if (touched == 0) {
                            throw ApiProblem.notActive("upload " + upload.id + " is no longer UPLOADING");
                        }
                        return upload;
                    });
                }))
                .flatMap(upload -> window.of(requested).map(lifetime -> Map.entry(upload, lifetime)))
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(uploadAndLifetime -> signAll(uploadAndLifetime.getKey(), numbers, uploadAndLifetime.getValue()));
    }

    private List<SignedPart> signAll(Upload upload, List<Integer> numbers, Duration lifetime) {
        PartPlan plan = upload.plan();
        List<SignedPart> urls = new ArrayList<>(numbers.size());
        for (int n : numbers) {
            urls.add(new SignedPart(n, SignedUrl.of(storage.presignUploadPart(upload.key, upload.s3UploadId, n,
                    plan.sizeOf(n), lifetime))));
        }
        metrics.presigned(urls.size());
        return urls;
    }

    private static List<Integer> validPartNumbers(List<Integer> partNumbers) {
        if (partNumbers == null || partNumbers.isEmpty()) {
            throw ApiProblem.invalid("partNumbers is required: a list of 1 to " + MAX_BATCH + " part numbers");
        }
        if (partNumbers.size() > MAX_BATCH) {
            throw ApiProblem.invalid("at most " + MAX_BATCH + " part numbers per call, got " + partNumbers.size());
        }
        LinkedHashSet<Integer> unique = new LinkedHashSet<>();
        for (Integer n : partNumbers) {
            if (n == null || n < 1 || n > PartPlan.MAX_PARTS) {
                throw ApiProblem.invalid("part numbers must be integers from 1 to " + PartPlan.MAX_PARTS + ", got " + n);
            }
            unique.add(n);
        }
        return List.copyOf(unique);
    }
}
