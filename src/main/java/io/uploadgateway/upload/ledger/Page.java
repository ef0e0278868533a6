package io.uploadgateway.upload.ledger;

import io.uploadgateway.upload.Upload;

import java.util.List;

/** One page of a keyset listing; {@code more} says whether rows follow the last item. */
public record Page(List<Upload> items, boolean more) {

    /** From a query that asked for one row more than {@code limit}: that extra row only tells there is a next page. */
    static Page of(List<Upload> rows, int limit) {
        return rows.size() > limit ? new Page(rows.subList(0, limit), true) : new Page(rows, false);
    }

    public Upload last() {
        return items.get(items.size() - 1);
    }
}
