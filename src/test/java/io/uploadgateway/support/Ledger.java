package io.uploadgateway.support;

import org.eclipse.microprofile.config.ConfigProvider;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Direct JDBC access to the test database, for what no API shows: query plans, row locks, the outbox as written. */
public final class Ledger {

    private Ledger() {
    }

    public static Connection connect() throws SQLException {
        var config = ConfigProvider.getConfig();
        return DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class));
    }

    /** The types of the events written about {@code subject} (an upload's id), in the order they were written. */
    public static List<String> eventTypesOf(String subject) {
        try (Connection db = connect();
             var query = db.prepareStatement("select type from events where subject = ?::uuid order by seq")) {
            query.setString(1, subject);
            var rows = query.executeQuery();
            List<String> types = new ArrayList<>();
            while (rows.next()) {
                types.add(rows.getString(1));
            }
            return types;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The payload of the one event of {@code type} about {@code subject}, exactly as delivered. */
    public static String payloadOf(String subject, String type) {
        try (Connection db = connect();
             var query = db.prepareStatement("select payload::text from events where subject = ?::uuid and type = ?")) {
            query.setString(1, subject);
            query.setString(2, type);
            var rows = query.executeQuery();
            if (!rows.next()) {
                throw new AssertionError("no " + type + " event about " + subject);
            }
            return rows.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
