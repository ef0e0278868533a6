package io.uploadgateway.support;

import io.uploadgateway.ledger.NumberedParameters;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PostgreSQL's plan of one of the ledger's statements, as written with {@code :named} parameters, over JDBC. */
public final class Plans {

    private static final Pattern NUMBER = Pattern.compile("\\$(\\d+)");

    private Plans() {
    }

    /**
     * {@code explain <options> <sql>} with {@code values} bound by name (an {@link Instant} as a
     * timestamptz); a name without a value fails. With {@code analyze}, run it in a transaction the
     * caller rolls back (locks and writes go with it).
     */
    public static String explain(Connection db, String options, String sql, Map<String, ?> values) throws SQLException {
        NumberedParameters numbered = NumberedParameters.of(sql);
        for (String name : numbered.names()) {
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("no value for :" + name);
            }
        }
        Matcher m = NUMBER.matcher(numbered.sql());
        StringBuilder jdbc = new StringBuilder();
        java.util.List<Object> bound = new java.util.ArrayList<>();
        while (m.find()) {
            Object value = values.get(numbered.names().get(Integer.parseInt(m.group(1)) - 1));
            bound.add(value instanceof Instant instant ? instant.atOffset(ZoneOffset.UTC) : value);
            m.appendReplacement(jdbc, "?");
        }
        m.appendTail(jdbc);
        try (PreparedStatement ps = db.prepareStatement("explain " + options + " " + jdbc)) {
            for (int i = 0; i < bound.size(); i++) {
                ps.setObject(i + 1, bound.get(i));
            }
            return lines(ps.executeQuery());
        }
    }

    /** Every line of a plan. */
    public static String lines(ResultSet rs) throws SQLException {
        StringBuilder plan = new StringBuilder();
        while (rs.next()) {
            plan.append(rs.getString(1)).append('\n');
        }
        return plan.toString();
    }
}
