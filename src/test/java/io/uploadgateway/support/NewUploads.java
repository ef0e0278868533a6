package io.uploadgateway.support;

import io.uploadgateway.storage.Store;
import io.uploadgateway.upload.ObjectKeys;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.Upload;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

/** Ledger rows for tests below the HTTP API, built by the same factories the use cases call. */
public final class NewUploads {

    private static final Duration TTL = Duration.ofDays(7);

    private NewUploads() {
    }

    public static Upload planned(String owner, long size) {
        return Upload.planned(file(owner), "mpu-" + UUID.randomUUID(), PartPlan.of(size, null, 16L << 20, PartPlan.MAX_OBJECT_SIZE),
                null, null, false, Duration.ofMinutes(1), now(), TTL);
    }

    public static Upload openSized(String owner) {
        return Upload.openSized(file(owner), "mpu-" + UUID.randomUUID(), now(), TTL);
    }

    public static Upload singleRequest(String owner, long maxBytes) {
        Upload.NewFile file = file(owner);
        return Upload.singleRequest(file, ObjectKeys.stagingFor("uploads/staging/", file.id()), maxBytes, now().plusSeconds(900), now(), TTL);
    }

    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    private static Upload.NewFile file(String owner) {
        UUID id = UUID.randomUUID();
        return new Upload.NewFile(id, owner, Store.DEFAULT, ObjectKeys.forUpload("uploads/", owner, id, "f.bin"), "f.bin",
                "application/octet-stream", Map.of());
    }
}
