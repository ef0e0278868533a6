package io.uploadgateway.upload.finish;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.reactive.Worker;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.ContentPolicy;
import io.uploadgateway.upload.Upload;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.tika.Tika;
import org.apache.tika.mime.MimeTypes;

/**
 * With {@code gateway.verify-content}: one small ranged GET of the assembled object's first bytes,
 * its type detected by magic bytes (Apache Tika, off the event loop), held against the declared
 * type and the allowed list ({@link ContentPolicy}).
 */
@ApplicationScoped
public class ContentCheck {

    /** Enough for every magic signature Tika knows, capped: the check costs one small GET. */
    static final int SNIFF_BYTES = Math.min(64 * 1024, Math.max(8 * 1024, MimeTypes.getDefaultMimeTypes().getMinLength()));

    private final Stores stores;
    private final ContentPolicy policy;
    private final boolean enabled;
    private final Tika tika = new Tika();

    public ContentCheck(Stores stores, GatewayConfig config) {
        this.stores = stores;
        this.policy = ContentPolicy.allowing(config.allowedContentTypes());
        this.enabled = config.verifyContent();
    }

    /** What the check found: the detected type, and why it rejects the upload (null: it passes). */
    public record Finding(String detected, String problem) {
        static final Finding SKIPPED = new Finding(null, null);

        public boolean rejects() {
            return problem != null;
        }
    }

    public Uni<Finding> check(Upload upload) {
        if (!enabled) {
            return Uni.createFrom().item(Finding.SKIPPED);
        }
        return stores.storage(upload.store).readStart(upload.key, SNIFF_BYTES).flatMap(bytes -> Worker.run(() -> {
            String detected = tika.detect(bytes);
            return new Finding(detected, policy.problemWith(upload.contentType, detected));
        }));
    }
}
