package io.uploadgateway.upload.sign;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.storage.StoreCapabilities;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.storage.presign.ChecksumAlgorithm;
import io.uploadgateway.upload.ledger.SignLookup;
import io.uploadgateway.upload.sign.PartRequests.Asked;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * The additional checksum of a part (SHA256, SHA1, CRC32, CRC32C) at presign: allowed only on an
 * upload created with that algorithm, required on every part of such an upload (the store would
 * refuse a part without it), of the algorithm's exact length; and kept in the ledger so that
 * completion can hand it to CompleteMultipartUpload and compare it with ListParts.
 */
@ApplicationScoped
public class PartChecksums {

    private final Stores stores;
    private final Clock clock;

    public PartChecksums(Stores stores, Clock clock) {
        this.stores = stores;
        this.clock = clock;
    }

    /** Throws a 400 unless the parts' checksums fit the upload's algorithm (and its store's capabilities). */
    void check(UUID id, String storeName, ChecksumAlgorithm algorithm, List<Asked> asked) {
        if (algorithm == null) {
            asked.stream().filter(p -> p.checksum() != null).findFirst().ifPresent(p -> {
                StoreCapabilities store = stores.of(storeName).capabilities();
                if (!store.checksAny()) {
                    throw ErrorCode.CHECKSUMS_UNSUPPORTED.problem("part " + p.partNumber() + " carries a checksum, but this gateway's"
                            + " object store does not check additional checksums (" + store.checksums().how() + "); send contentMd5"
                            + " instead");
                }
                throw ApiProblem.invalid("part " + p.partNumber() + " carries a checksum, but upload " + id + " was created without"
                        + " checksumAlgorithm; send contentMd5 instead, or create the upload with checksumAlgorithm");
            });
            return;
        }
        int bytes = algorithm.bytes();
        for (Asked part : asked) {
            if (part.checksum() == null) {
                throw ApiProblem.invalid("upload " + id + " was created with checksumAlgorithm " + algorithm + ": every part needs its"
                        + " checksum at presign (parts: [{\"partNumber\": " + part.partNumber() + ", \"checksum\": \"<base64>\"}])");
            }
            if (!PartRequests.isBase64Of(part.checksum(), bytes)) {
                throw ApiProblem.invalid("checksum of part " + part.partNumber() + " must be the base64 of the part's " + bytes + "-byte "
                        + algorithm + " (" + 4 * ((bytes + 2) / 3) + " characters), got \"" + PartRequests.shortened(part.checksum()) + "\"");
            }
        }
    }

    /** Keeps the checksums about to be signed (nothing for an upload without an algorithm). */
    Uni<Void> keep(SignLookup lookup, UUID id, ChecksumAlgorithm algorithm, List<Asked> asked) {
        if (algorithm == null || asked.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Integer[] numbers = asked.stream().map(Asked::partNumber).toArray(Integer[]::new);
        String[] values = asked.stream().map(Asked::checksum).toArray(String[]::new);
        return lookup.recordChecksums(id, numbers, values, clock.instant().truncatedTo(ChronoUnit.MICROS));
    }
}
