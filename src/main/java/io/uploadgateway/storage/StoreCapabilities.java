package io.uploadgateway.storage;

import io.uploadgateway.config.ConfigChecks;
import io.uploadgateway.config.StoreConfig;
import io.uploadgateway.storage.presign.ChecksumAlgorithm;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

/**
 * What the object store does beyond the core of S3, known rather than assumed: a promise the
 * gateway makes to a client (a part whose bytes do not match its signed checksum is refused) holds
 * only if the store keeps it, and S3-compatible stores differ (Scality CloudServer stores such a
 * part and answers 200).
 *
 * <ul>
 *   <li><b>Additional checksums</b>, per algorithm: declared ({@code gateway.store.additional-checksums})
 *       or probed by {@link #probe()} — for each algorithm, a multipart upload of that algorithm at a
 *       scratch key, one part PUT with a wrong checksum, then abort; a store that takes the part does
 *       not check that algorithm. Until a probe has an answer, none is offered.</li>
 *   <li><b>POST Object</b> (Uppy's single-request forms): declared ({@code gateway.store.post-object});
 *       a probe would need a browser form and a policy, and a store lacking it answers 501 at once.</li>
 * </ul>
 */
public class StoreCapabilities {

    private static final Logger LOG = Logger.getLogger(StoreCapabilities.class);
    /** Each probe call's bound: a probe never holds startup longer than a few of these. */
    static final Duration PROBE_CALL_TIMEOUT = Duration.ofSeconds(5);
    /** Under the key prefix, next to (never inside) a deployment's keys, so no sweep mistakes it for an upload. */
    static final String PROBE_FOLDER = ".capability-probe/";
    private static final byte[] PROBE_BYTES = "upload-gateway checks whether this store checks additional checksums"
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The algorithms the gateway offers (a client may ask for any of them). */
    static final Set<ChecksumAlgorithm> OFFERED = ConfigChecks.CHECKSUM_ALGORITHMS.stream()
            .map(ChecksumAlgorithm::valueOf).collect(Collectors.toCollection(() -> EnumSet.noneOf(ChecksumAlgorithm.class)));

    private final S3AsyncClient s3;
    private final String bucket;
    private final String probeRoot;
    private final StoreConfig declared;
    private volatile Checksums checksums;

    /** The checksum algorithms the store checks, and how that is known (for logs and readiness). */
    public record Checksums(Set<ChecksumAlgorithm> checked, String how, boolean known) {
        public Checksums {
            checked = checked.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(checked));
        }
    }

    StoreCapabilities(S3AsyncClient s3, String bucket, String keyRoot, StoreConfig declared) {
        this.s3 = s3;
        this.bucket = bucket;
        this.probeRoot = keyRoot + PROBE_FOLDER;
        this.declared = declared;
        this.checksums = declared.additionalChecksums()
                .map(on -> new Checksums(on ? OFFERED : Set.of(), "declared (gateway.store.additional-checksums=" + on + ")", true))
                .orElse(new Checksums(Set.of(), "not probed yet: none offered until a probe answers", false));
    }

    /** Whether the store refuses a part whose bytes do not match its {@code algorithm} checksum. */
    public boolean checks(ChecksumAlgorithm algorithm) {
        return checksums.checked().contains(algorithm);
    }

    /** Whether the store checks at least one algorithm (else a checksum in any request is pointless). */
    public boolean checksAny() {
        return !checksums.checked().isEmpty();
    }

    public Checksums checksums() {
        return checksums;
    }

    /** Whether the store implements browser POST Object (declared). */
    public boolean postObject() {
        return declared.postObject();
    }

    /** Probes the store unless its checksums are already known. Blocking: startup and scheduled retries only. */
    public void probeIfUnknown() {
        if (!checksums.known()) {
            probe();
        }
    }

    /**
     * Probes each offered algorithm in turn. A failure that says nothing about checksums (the store
     * unreachable, a 5xx) leaves them unknown, to be probed again later.
     */
    void probe() {
        Set<ChecksumAlgorithm> checked = EnumSet.noneOf(ChecksumAlgorithm.class);
        try {
            for (ChecksumAlgorithm algorithm : OFFERED) {
                if (checksWrongValue(algorithm)) {
                    checked.add(algorithm);
                }
            }
        } catch (ProbeFailed failed) {
            LOG.warnf("bucket %s: could not probe which additional checksums the store checks (%s); none is offered until a"
                    + " probe answers", bucket, failed.getMessage());
            checksums = new Checksums(Set.of(), "probe failed (" + failed.getMessage() + "): none offered until a probe answers", false);
            return;
        }
        Set<ChecksumAlgorithm> ignored = EnumSet.copyOf(OFFERED);
        ignored.removeAll(checked);
        String how = "probed: " + (checked.isEmpty() ? "none checked" : "checks " + names(checked))
                + (ignored.isEmpty() ? "" : "; ignores " + names(ignored));
        checksums = new Checksums(checked, how, true);
        if (ignored.isEmpty()) {
            LOG.infof("bucket %s: the store checks additional checksums (%s)", bucket, names(checked));
        } else {
            LOG.warnf("bucket %s: the store stores parts whose bytes do not match their %s checksum; the gateway will not sign"
                    + " those (clients asking get checksums_unsupported)", bucket, names(ignored));
        }
    }

    /** True when the store refused a part with a wrong checksum of this algorithm, false when it took it. */
    private boolean checksWrongValue(ChecksumAlgorithm algorithm) {
        String key = probeRoot + UUID.randomUUID();
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key).checksumAlgorithm(algorithm.name())
                    .overrideConfiguration(o -> o.apiCallTimeout(PROBE_CALL_TIMEOUT))).join().uploadId();
        } catch (CompletionException e) {
            S3Exception refused = refusal(e);
            if (refused != null && (refused.statusCode() == 400 || refused.statusCode() == 501)) {
                return false; // the store will not even start an upload of this algorithm
            }
            throw new ProbeFailed("CreateMultipartUpload: " + S3MultipartStorage.reason(e));
        }
        try {
            s3.uploadPart(wrongChecksum(key, uploadId, algorithm), AsyncRequestBody.fromBytes(PROBE_BYTES)).join();
            return false;
        } catch (CompletionException e) {
            S3Exception refused = refusal(e);
            if (refused != null && refused.statusCode() == 400) {
                return true;
            }
            throw new ProbeFailed("UploadPart: " + S3MultipartStorage.reason(e));
        } finally {
            try {
                s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId)
                        .overrideConfiguration(o -> o.apiCallTimeout(PROBE_CALL_TIMEOUT))).join();
            } catch (CompletionException e) {
                // the bucket's lifecycle rule removes it
                LOG.debugf("bucket %s: could not abort the probe's upload %s: %s", bucket, key, S3MultipartStorage.reason(e));
            }
        }
    }

    /** A part whose checksum is all zero bytes: no digest of {@link #PROBE_BYTES}. */
    private UploadPartRequest wrongChecksum(String key, String uploadId, ChecksumAlgorithm algorithm) {
        String zero = Base64.getEncoder().encodeToString(new byte[algorithm.bytes()]);
        UploadPartRequest.Builder part = UploadPartRequest.builder().bucket(bucket).key(key).uploadId(uploadId).partNumber(1)
                .contentLength((long) PROBE_BYTES.length)
                .overrideConfiguration(o -> o.apiCallTimeout(PROBE_CALL_TIMEOUT));
        switch (algorithm) {
            case SHA256 -> part.checksumSHA256(zero);
            case SHA1 -> part.checksumSHA1(zero);
            case CRC32 -> part.checksumCRC32(zero);
            case CRC32C -> part.checksumCRC32C(zero);
            case CRC64NVME -> part.checksumCRC64NVME(zero);
        }
        return part.build();
    }

    /** The store's answer, if an S3 error ended the call. */
    private static S3Exception refusal(CompletionException e) {
        return e.getCause() instanceof S3Exception s3e ? s3e : null;
    }

    private static String names(Set<ChecksumAlgorithm> algorithms) {
        List<String> names = algorithms.stream().map(Enum::name).sorted().toList();
        return String.join(", ", names);
    }

    private static final class ProbeFailed extends RuntimeException {
        ProbeFailed(String message) {
            super(message, null, false, false);
        }
    }
}
