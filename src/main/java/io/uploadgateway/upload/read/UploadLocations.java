package io.uploadgateway.upload.read;

import io.uploadgateway.storage.Store;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.Upload;
import jakarta.enterprise.context.ApplicationScoped;

/** Where an upload's object lies, as the API shows it: the bucket of the store the upload records. */
@ApplicationScoped
public class UploadLocations {

    private final Stores stores;

    public UploadLocations(Stores stores) {
        this.stores = stores;
    }

    public String bucketOf(Upload upload) {
        return stores.named(upload.store).map(Store::bucket).orElse(null);
    }
}
