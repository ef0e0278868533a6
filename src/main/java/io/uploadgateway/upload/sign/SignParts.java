package io.uploadgateway.upload.sign;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.sign.PartSigner.SignedPart;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.ledger.SignLookup;
import io.uploadgateway.upload.ledger.SignLookup.Signable;
import io.uploadgateway.problem.ApiProblem;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

/**
 * Fresh URLs for parts, each signed for its exact length and for the requested lifetime (capped
 * by configuration and by the signing credentials' own expiry). The hot path of every client: no
 * S3 round trip, one indexed read, and no write that parallel calls of one upload queue on.
 */
@ApplicationScoped
public class SignParts {

    public static final int MAX_BATCH = 1000;

    private final SignLookup lookup;
    private final PartSigner signer;
    private final SigningWindow window;
    private final GatewayConfig config;
    private final Clock clock;

    public SignParts(SignLookup lookup, PartSigner signer, SigningWindow window, GatewayConfig config, Clock clock) {
        this.lookup = lookup;
        this.signer = signer;
        this.window = window;
        this.config = config;
        this.clock = clock;
    }

    /**
     * One read of the upload by primary key; activity recorded at most once per
     * {@code gateway.activity-interval} and never waiting on the row; then the URLs.
     */
    public Uni<List<SignedPart>> sign(Scope scope, UUID id, List<Integer> partNumbers, Long expiresInSeconds) {
        return sign(scope, id, null, partNumbers, expiresInSeconds);
    }

    /** As above; with {@code expectedKey} (Uppy's {@code key}), an upload under another object key is a 404. */
    public Uni<List<SignedPart>> sign(Scope scope, UUID id, String expectedKey, List<Integer> partNumbers, Long expiresInSeconds) {
        List<Integer> numbers = validPartNumbers(partNumbers);
        Duration requested = window.requested(expiresInSeconds);
        return lookup.find(scope, id)
                .call(upload -> {
                    if (expectedKey != null && !expectedKey.equals(upload.key())) {
                        throw ApiProblem.notFound("no upload " + id + " with key " + expectedKey);
                    }
                    if (upload.state() != UploadState.UPLOADING) {
                        throw ApiProblem.notActive("upload " + id + " is " + upload.state() + "; only UPLOADING uploads accept this");
                    }
                    List<Integer> outOfPlan = numbers.stream().filter(n -> n > upload.plan().partCount()).toList();
                    if (!outOfPlan.isEmpty()) {
                        throw ApiProblem.invalid("part numbers " + outOfPlan + " are outside 1.." + upload.plan().partCount()
                                + " (this upload has " + upload.plan().partCount() + " parts)");
                    }
                    return touchIfStale(upload);
                })
                .flatMap(upload -> window.grant(requested).map(grant ->
                        signer.sign(upload.key(), upload.s3UploadId(), upload.plan(), numbers, grant)));
    }

    private Uni<Boolean> touchIfStale(Signable upload) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Instant staleBefore = now.minus(config.activityInterval());
        if (upload.lastActivityAt().isAfter(staleBefore)) {
            return Uni.createFrom().item(false);
        }
        return lookup.touch(upload.id(), now, now.plus(config.uploadTtl()), staleBefore);
    }

    /** 1 to {@value #MAX_BATCH} part numbers within S3's range, without duplicates, in the order asked. */
    static List<Integer> validPartNumbers(List<Integer> partNumbers) {
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
