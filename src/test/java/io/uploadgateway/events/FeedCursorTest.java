package io.uploadgateway.events;

import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.ErrorCode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The feed's cursor: what it issues comes back; anything it could never have issued is a 400, before any SQL. */
class FeedCursorTest {

    private static final BigInteger LARGEST_XID8 = BigInteger.TWO.pow(64).subtract(BigInteger.ONE);

    @Test
    void whatTheFeedIssuesComesBack() {
        FeedCursor cursor = new FeedCursor(LARGEST_XID8, Long.MAX_VALUE);
        assertEquals(cursor, FeedCursor.parse(cursor.encode()));
        assertEquals(new FeedCursor(BigInteger.ZERO, 0), FeedCursor.parse(new FeedCursor(BigInteger.ZERO, 0).encode()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"f1:18446744073709551616:1", "f1:99999999999999999999:1", "f1:1:9223372036854775808",
            "f1:-1:1", "f1:1:-1", "f1:+1:1", "f1: 1:1", "f1:1:1:1", "f1:1", "f1::1", "f2:1:1", "f1:0x1:1", "f1:١:1"})
    void aCursorTheFeedCouldNeverHaveIssuedIsA400(String decoded) {
        String cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(decoded.getBytes(StandardCharsets.UTF_8));
        ApiProblem problem = assertThrows(ApiProblem.class, () -> FeedCursor.parse(cursor));
        assertEquals(ErrorCode.INVALID_REQUEST, problem.error());
    }

    @Test
    void notBase64OrTooLongIsA400() {
        assertEquals(ErrorCode.INVALID_REQUEST, assertThrows(ApiProblem.class, () -> FeedCursor.parse("%%%")).error());
        assertEquals(ErrorCode.INVALID_REQUEST, assertThrows(ApiProblem.class, () -> FeedCursor.parse("A".repeat(129))).error());
    }
}
