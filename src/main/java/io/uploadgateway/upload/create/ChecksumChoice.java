package io.uploadgateway.upload.create;

import io.uploadgateway.config.ConfigChecks;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.storage.StoreCapabilities;
import io.uploadgateway.storage.presign.ChecksumAlgorithm;

import java.util.Locale;
import java.util.Optional;

/**
 * What a create asked of additional checksums: the gateway's configured default, none, or one
 * algorithm. The native API's {@code checksumAlgorithm} is parsed into one ({@link #parse}); Uppy's
 * routes ask for none.
 */
public record ChecksumChoice(boolean configuredDefault, ChecksumAlgorithm algorithm) {

    public static final ChecksumChoice DEFAULT = new ChecksumChoice(true, null);
    public static final ChecksumChoice NONE = new ChecksumChoice(false, null);

    /** The native API's value: absent (the default), {@code NONE}, or an algorithm's name in any case; a 400 otherwise. */
    public static ChecksumChoice parse(String asked) {
        if (asked == null) {
            return DEFAULT;
        }
        String name = asked.strip().toUpperCase(Locale.ROOT);
        if (name.equals("NONE")) {
            return NONE;
        }
        if (!ConfigChecks.CHECKSUM_ALGORITHMS.contains(name)) {
            throw ApiProblem.invalid("checksumAlgorithm must be one of " + ConfigChecks.CHECKSUM_ALGORITHMS + " or NONE, got \""
                    + (asked.length() > 40 ? asked.substring(0, 40) + "…" : asked) + "\"");
        }
        return new ChecksumChoice(false, ChecksumAlgorithm.valueOf(name));
    }

    /**
     * The algorithm the upload is created with (null: none), given the configured default and
     * what the store checks: an algorithm the store does not check is never signed. Asked for, it
     * is {@code checksums_unsupported}; as the configured default, the upload goes without (the
     * startup log and readiness say the store ignores it).
     */
    ChecksumAlgorithm resolve(Optional<String> configured, StoreCapabilities store) {
        if (configuredDefault) {
            return configured.map(ChecksumAlgorithm::valueOf).filter(store::checks).orElse(null);
        }
        if (algorithm != null && !store.checks(algorithm)) {
            throw ErrorCode.CHECKSUMS_UNSUPPORTED.problem("checksumAlgorithm " + algorithm + " was asked for, but this gateway's object"
                    + " store does not check it (" + store.checksums().how() + "); omit it and send each part's contentMd5 at"
                    + " presign instead");
        }
        return algorithm;
    }
}
