package io.uploadgateway.admin;

import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.KeysetCursor;
import io.uploadgateway.upload.UploadState;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The operators' listing as one SQL statement: most idle first, keyset-paginated on
 * {@code (last_activity_at, id)} so every filter combination is an index range scan
 * ({@code uploads_state_activity}, {@code uploads_owner_activity} or {@code uploads_activity}).
 */
public record AdminQuery(String sql, Map<String, Object> parameters) {

    /** Filters of {@code GET /api/v1/admin/uploads}. {@code idleBefore} is now minus the idle threshold, if any. */
    public record Filter(UploadState state, Instant idleBefore, String owner, KeysetCursor after, int limit) {
    }

    public static AdminQuery of(Filter filter) {
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
            parameters.put("cursorTime", filter.after().time());
            parameters.put("cursorId", filter.after().id());
        }
        sql.append(" order by u.last_activity_at, u.id limit :limit");
        parameters.put("limit", filter.limit() + 1); // one extra row tells whether there is a next page
        return new AdminQuery(sql.toString(), parameters);
    }

    /** Parses {@code idleLongerThan}: an ISO-8601 duration such as {@code PT1H} or {@code P2D}. */
    public static Duration parseIdle(String idleLongerThan) {
        if (idleLongerThan == null || idleLongerThan.isBlank()) {
            return null;
        }
        try {
            Duration idle = Duration.parse(idleLongerThan.strip());
            if (idle.isNegative()) {
                throw ApiProblem.invalid("idleLongerThan must not be negative");
            }
            return idle;
        } catch (java.time.format.DateTimeParseException e) {
            throw ApiProblem.invalid("idleLongerThan must be an ISO-8601 duration such as PT1H or P2D, got '" + idleLongerThan + "'");
        }
    }
}
