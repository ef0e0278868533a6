package io.uploadgateway.ledger;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NumberedParametersTest {

    @Test
    void numbersNamesInTheOrderTheyFirstAppearAndReusesANumberForARepeatedName() {
        NumberedParameters statement = NumberedParameters.of(
                "insert into t (a, b, c) values (:id, cast(cast(:payload as text) as json), :at) returning :at, :id");
        assertEquals("insert into t (a, b, c) values ($1, cast(cast($2 as text) as json), $3) returning $3, $1", statement.sql());
        assertEquals(List.of("id", "payload", "at"), statement.names());
    }

    @Test
    void leavesCastsAndTextWithoutParametersAlone() {
        NumberedParameters statement = NumberedParameters.of("select payload::text, x::jsonb from t where owner = :owner");
        assertEquals("select payload::text, x::jsonb from t where owner = $1", statement.sql());
        assertEquals(List.of("owner"), statement.names());
        assertEquals("select 1", NumberedParameters.of("select 1").sql());
    }

    @Test
    void bindsValuesByNameInTheirNumbersOrderAndRefusesAMissingOrUnknownName() {
        NumberedParameters statement = NumberedParameters.of("select :b, :a, :b");
        var tuple = statement.values().set("a", 1).set("b", null).tuple();
        assertEquals(2, tuple.size());
        assertNull(tuple.getValue(0));
        assertEquals(1, tuple.getValue(1));
        assertThrows(IllegalStateException.class, () -> statement.values().set("a", 1).tuple());
        assertThrows(IllegalArgumentException.class, () -> statement.values().set("c", 1));
    }
}
