package io.uploadgateway.upload;

import io.uploadgateway.config.GatewayConfig;

/**
 * How much one upload may hold, by kind: the gateway's maximum (within S3's object limit), the
 * part numbers an open-sized upload may sign within it and what each signed part reserves, and
 * the most one presigned POST may carry. Pure arithmetic on configuration.
 */
public record UploadLimits(long maxSize, long singleRequestMaxSize) {

    /** S3's limit for one PutObject or POST Object: a larger file must go multipart. */
    public static final long MAX_SINGLE_REQUEST_SIZE = 5L * 1024 * 1024 * 1024;

    public UploadLimits {
        maxSize = Math.min(maxSize, PartPlan.MAX_OBJECT_SIZE);
        singleRequestMaxSize = Math.min(Math.min(singleRequestMaxSize, maxSize), MAX_SINGLE_REQUEST_SIZE);
    }

    public static UploadLimits of(GatewayConfig config) {
        return new UploadLimits(config.maxUploadSize().asLongValue(), config.singleRequestMaxSize().asLongValue());
    }

    /**
     * The plan of an open-sized upload: parts of any length up to S3's 5 GiB, and no more part
     * numbers than an object within {@link #maxSize} can have (every part but the last is at
     * least 5 MiB).
     */
    public PartPlan openPlan() {
        return PartPlan.open(maxSize);
    }

    /**
     * What an open-sized upload holds of its owner's bytes quota once it has URLs for part numbers
     * up to {@code highestPart}: the 5 GiB each such URL allows, never more than {@link #maxSize}.
     */
    public long openReservation(int highestPart) {
        return Math.min((long) highestPart * PartPlan.MAX_PART_SIZE, maxSize);
    }
}
