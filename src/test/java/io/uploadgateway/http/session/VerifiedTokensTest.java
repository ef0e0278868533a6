package io.uploadgateway.http.session;

import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.security.identity.SecurityIdentity;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The cache of verified tokens: an identity until its token's exp, never after; bounded. */
class VerifiedTokensTest {

    private static final SecurityIdentity ALICE = QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal("alice")).build();

    @Test
    void aTokenIsKnownUntilItsExpiryAndNotASecondLonger() {
        VerifiedTokens.Known known = new VerifiedTokens.Known(10);
        known.put("token-a", ALICE, 1_000);
        assertSame(ALICE, known.get("token-a", 999));
        assertNull(known.get("token-a", 1_000), "at exp the token is verified again (and smallrye decides)");
        assertNull(known.get("token-a", 999), "an expired entry is gone, not kept");
        assertNull(known.get("token-b", 0), "another string is another token, verified on its own");
    }

    @Test
    void aTokenWithoutExpiryIsNeverKept() {
        VerifiedTokens.Known known = new VerifiedTokens.Known(10);
        known.put("forever", ALICE, 0);
        assertNull(known.get("forever", 1));
    }

    @Test
    void theCacheIsBounded() {
        VerifiedTokens.Known known = new VerifiedTokens.Known(3);
        for (int i = 0; i < 3; i++) {
            known.put("t" + i, ALICE, 1_000);
        }
        assertEquals(3, known.size());
        known.put("t3", ALICE, 1_000);
        assertEquals(1, known.size(), "full: it starts over");
        assertSame(ALICE, known.get("t3", 1));
    }
}
