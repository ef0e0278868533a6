package io.uploadgateway.upload.create;

import io.uploadgateway.config.ConfigChecks;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
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
     * whether the store checks additional checksums ({@code checksums_unsupported} when one was
     * asked for and it does not).
     */
    ChecksumAlgorithm resolve(Optional<String> configured, boolean storeChecksThem) {
        if (configuredDefault) {
            return configured.map(ChecksumAlgorithm::valueOf).orElse(null);
        }
        if (algorithm != null && !storeChecksThem) {
            throw ErrorCode.CHECKSUMS_UNSUPPORTED.problem("checksumAlgorithm " + algorithm + " was asked for, but this gateway's object"
                    + " store does not check additional checksums; omit it and send each part's contentMd5 at presign instead");
        }
        return algorithm;
    }
}
