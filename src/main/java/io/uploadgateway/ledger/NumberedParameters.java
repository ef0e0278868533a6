package io.uploadgateway.ledger;

import io.vertx.mutiny.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SQL text for both of the ledger's executors. Hibernate's native queries take named
 * parameters ({@code :owner}); the reactive SQL client takes PostgreSQL's numbered ones
 * ({@code $1}). A statement that runs on both (in an ORM transaction on one path, on the SQL client
 * on a hot one) is written once with names, and this gives the client's form: each name numbered
 * in the order it first appears, a name used twice keeping its number. Casts ({@code ::text}) are
 * not parameters. Written by hand because it is a few lines and the SQL it sees is our own
 * constants (no quoted text containing a colon).
 */
public final class NumberedParameters {

    private static final Pattern NAME = Pattern.compile("(?<![:\\w]):([A-Za-z_]\\w*)");

    private final String sql;
    private final List<String> names;

    private NumberedParameters(String sql, List<String> names) {
        this.sql = sql;
        this.names = List.copyOf(names);
    }

    /** The statement {@code named} with its parameters numbered. */
    public static NumberedParameters of(String named) {
        List<String> names = new ArrayList<>();
        Matcher matcher = NAME.matcher(named);
        StringBuilder numbered = new StringBuilder();
        while (matcher.find()) {
            int index = names.indexOf(matcher.group(1));
            if (index < 0) {
                names.add(matcher.group(1));
                index = names.size() - 1;
            }
            matcher.appendReplacement(numbered, "\\$" + (index + 1));
        }
        matcher.appendTail(numbered);
        return new NumberedParameters(numbered.toString(), names);
    }

    /** The SQL for the reactive client. */
    public String sql() {
        return sql;
    }

    /** The names in the order of their numbers. */
    public List<String> names() {
        return names;
    }

    /** Values for one execution, set by name; {@link Values#tuple()} refuses a name left unset. */
    public Values values() {
        return new Values();
    }

    /** The values of one execution. */
    public final class Values {

        private final Object[] values = new Object[names.size()];
        private final boolean[] set = new boolean[names.size()];

        private Values() {
        }

        public Values set(String name, Object value) {
            int index = names.indexOf(name);
            if (index < 0) {
                throw new IllegalArgumentException("the statement has no parameter :" + name);
            }
            values[index] = value;
            set[index] = true;
            return this;
        }

        /** The values in their numbers' order, for the SQL client. */
        public Tuple tuple() {
            for (int i = 0; i < set.length; i++) {
                if (!set[i]) {
                    throw new IllegalStateException("no value for :" + names.get(i));
                }
            }
            return Tuple.tuple(Arrays.asList(values));
        }
    }
}
