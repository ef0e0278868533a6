package io.uploadgateway.upload;

/**
 * How an object of {@code size} bytes is cut into multipart parts: every part but the last has
 * exactly {@code partSize} bytes. Pure arithmetic within the S3 multipart limits.
 *
 * <p>An open plan ({@link #open}) is that of an open-sized upload (Uppy's {@code /s3} routes send no
 * size): part numbers up to what an object within the maximum can have, each of any length up to
 * S3's 5 GiB part maximum; the total is known only from ListParts.
 */
public record PartPlan(long size, long partSize, int partCount) {

    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    public static final long MAX_PART_SIZE = 5L * 1024 * 1024 * 1024;
    public static final int MAX_PARTS = 10_000;
    /** The largest object S3 multipart can assemble: 10,000 parts of 5 GiB (48.8 TiB). */
    public static final long MAX_OBJECT_SIZE = MAX_PARTS * MAX_PART_SIZE;
    private static final long MIB = 1024 * 1024;

    /** No part lengths planned, any of the 10,000 part numbers: what the ledger's part rules apply to an upload without a plan. */
    public static final PartPlan OPEN = new PartPlan(-1, MAX_PART_SIZE, MAX_PARTS);

    public PartPlan {
        boolean open = size == -1 && partSize == MAX_PART_SIZE && partCount >= 1 && partCount <= MAX_PARTS;
        if (!open && (size < 1 || partSize < 1 || partCount != partCountFor(size, partSize))) {
            throw new IllegalArgumentException("inconsistent part plan " + size + "/" + partSize + "/" + partCount);
        }
    }

    /**
     * The plan of an upload of unknown size at most {@code maxSize} bytes: parts of any length up to
     * 5 GiB, numbered up to the most such an upload can have (every part but the last at least
     * 5 MiB, so a larger number could only belong to an object over {@code maxSize}).
     */
    public static PartPlan open(long maxSize) {
        long parts = maxSize < 1 ? 1 : (maxSize - 1) / MIN_PART_SIZE + 1;
        return new PartPlan(-1, MAX_PART_SIZE, (int) Math.min(MAX_PARTS, parts));
    }

    /**
     * Plans an upload. {@code requestedPartSize} may be null, in which case the plan uses
     * {@code defaultPartSize}, raised to the next whole MiB that keeps the part count at most
     * 10,000. Throws {@link IllegalArgumentException} with a message meant for the client.
     */
    public static PartPlan of(long size, Long requestedPartSize, long defaultPartSize, long maxUploadSize) {
        long limit = Math.min(maxUploadSize, MAX_OBJECT_SIZE);
        if (size < 1 || size > limit) {
            throw new IllegalArgumentException("size must be between 1 and " + limit + " bytes, got " + size);
        }
        long partSize;
        if (requestedPartSize != null) {
            partSize = requestedPartSize;
            if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
                throw new IllegalArgumentException("partSize must be between " + MIN_PART_SIZE + " (5 MiB) and "
                        + MAX_PART_SIZE + " (5 GiB) bytes, got " + partSize);
            }
            long needed = ceilDiv(size, MAX_PARTS);
            if (ceilDiv(size, partSize) > MAX_PARTS) {
                throw new IllegalArgumentException("partSize " + partSize + " would need " + ceilDiv(size, partSize)
                        + " parts; S3 allows at most " + MAX_PARTS + ", so use a partSize of at least " + needed);
            }
        } else {
            partSize = Math.max(clamp(defaultPartSize), roundUpToMiB(ceilDiv(size, MAX_PARTS)));
            partSize = Math.min(partSize, MAX_PART_SIZE);
        }
        return new PartPlan(size, partSize, partCountFor(size, partSize));
    }

    /** Whether part lengths are not planned (an open plan). */
    public boolean isOpen() {
        return size < 0;
    }

    /** Exact byte length of part {@code partNumber} (1-based); an open plan has none. */
    public long sizeOf(int partNumber) {
        if (isOpen()) {
            throw new IllegalStateException("an open-sized upload plans no part lengths");
        }
        if (partNumber < 1 || partNumber > partCount) {
            throw new IllegalArgumentException("part " + partNumber + " is outside 1.." + partCount);
        }
        return partNumber < partCount ? partSize : size - (long) (partCount - 1) * partSize;
    }

    private static int partCountFor(long size, long partSize) {
        long count = ceilDiv(size, partSize);
        return count > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) count;
    }

    private static long clamp(long partSize) {
        return Math.max(MIN_PART_SIZE, Math.min(MAX_PART_SIZE, partSize));
    }

    private static long roundUpToMiB(long bytes) {
        return ceilDiv(bytes, MIB) * MIB;
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
