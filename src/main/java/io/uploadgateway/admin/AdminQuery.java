package io.uploadgateway.admin;

import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.upload.UploadState;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The operators' listing as one SQL statement: most idle first, keyset-paginated on
 * {@code (last_activity_at, id)} so every filter combination is an index range scan
 * ({@code uploads_state_activity}, {@code uploads_owner_activity} or {@code uploads_activity}).
 */
public record AdminQuery(String sql, Map<String, Object> parameters) {

    /** Filters of {@code GET /api/v1/admin/uploads}. {@code idleBefore} is now minus the idle threshold, if any. */
    public record Filter(UploadState state, Instant idleBefore, String owner, Cursor after, int limit) {
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
            parameters.put("cursorTime", filter.after().lastActivityAt());
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

    /** Keyset position: the last item's activity time and id. */
    public record Cursor(Instant lastActivityAt, UUID id) {
        public String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((lastActivityAt + "|" + id).getBytes(StandardCharsets.UTF_8));
        }

        public static Cursor parse(String cursor) {
            if (cursor == null || cursor.isBlank()) {
                return null;
            }
            try {
                String decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
                int bar = decoded.indexOf('|');
                return new Cursor(Instant.parse(decoded.substring(0, bar)), UUID.fromString(decoded.substring(bar + 1)));
            } catch (RuntimeException e) {
                throw ApiProblem.invalid("cursor is not one this API returned; pass nextCursor unchanged");
            }
        }
    }
}
