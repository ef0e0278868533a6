package io.uploadgateway.upload.ledger;

import io.uploadgateway.upload.UploadState;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operators' listing as one SQL statement: most idle first, keyset-paginated on
 * {@code (last_activity_at, id)} so every filter combination is an index range scan
 * ({@code uploads_state_activity}, {@code uploads_owner_activity} or {@code uploads_activity}).
 */
public record AdminListing(String sql, Map<String, Object> parameters) {

    /** Filters of {@code GET /api/v1/admin/uploads}. {@code idleBefore} is now minus the idle threshold, if any. */
    public record Filter(UploadState state, Instant idleBefore, String owner, Keyset after, int limit) {
    }

    public static AdminListing of(Filter filter) {
        StringBuilder sql = new StringBuilder("select u.* from uploads u where true");
        Map<String, Object> parameters = new LinkedHashMap<>();
        if (filter.state() != null) {
            sql.append(" and u.state = :state");
            parameters.put("state", filter.state().name());
        }
        if (filter.owner() != null) {
            sql.append(" and u.owner = :owner");
            parameters.put("owner", filter.owner());
        }
        if (filter.idleBefore() != null) {
            sql.append(" and u.last_activity_at < :idleBefore");
            parameters.put("idleBefore", filter.idleBefore());
        }
        if (filter.after() != null) {
            sql.append(" and (u.last_activity_at, u.id) > (:cursorTime, :cursorId)");
            parameters.put("cursorTime", filter.after().at());
            parameters.put("cursorId", filter.after().id());
        }
        sql.append(" order by u.last_activity_at, u.id limit :limit");
        parameters.put("limit", filter.limit() + 1); // one extra row tells whether there is a next page
        return new AdminListing(sql.toString(), parameters);
    }
}
