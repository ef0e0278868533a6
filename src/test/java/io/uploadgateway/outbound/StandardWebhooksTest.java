package io.uploadgateway.outbound;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The signature is the one every Standard Webhooks library verifies: the published test vector, reproduced. */
class StandardWebhooksTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final String BODY = "{\"test\": 2432232314}";

    @Test
    void reproducesThePublishedTestVector() {
        assertEquals("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                StandardWebhooks.sign(StandardWebhooks.key(SECRET), ID, 1614265330, BODY));
    }

    @Test
    void verifiesAnyOfSeveralSignaturesAndNothingTampered() {
        byte[] key = StandardWebhooks.key(SECRET);
        String good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        assertTrue(StandardWebhooks.verify(key, ID, "1614265330", BODY, good));
        assertTrue(StandardWebhooks.verify(key, ID, "1614265330", BODY, "v1,bm9wZQ== " + good));
        assertFalse(StandardWebhooks.verify(key, ID, "1614265331", BODY, good), "another timestamp");
        assertFalse(StandardWebhooks.verify(key, ID, "1614265330", BODY + " ", good), "another body");
        assertFalse(StandardWebhooks.verify(key, "msg_other", "1614265330", BODY, good), "another id");
        assertFalse(StandardWebhooks.verify(StandardWebhooks.key("whsec_" + "A".repeat(32)), ID, "1614265330", BODY, good));
        assertFalse(StandardWebhooks.verify(key, ID, "not-a-number", BODY, good));
        assertFalse(StandardWebhooks.verify(key, ID, "1614265330", BODY, null));
    }

    @Test
    void secretsMustBeWhsecAndAKeyOfSensibleLength() {
        assertThrows(IllegalArgumentException.class, () -> StandardWebhooks.key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        assertThrows(IllegalArgumentException.class, () -> StandardWebhooks.key("whsec_not base64!"));
        assertThrows(IllegalArgumentException.class, () -> StandardWebhooks.key("whsec_c2hvcnQ="));
        assertThrows(IllegalArgumentException.class, () -> StandardWebhooks.key(null));
    }
}
