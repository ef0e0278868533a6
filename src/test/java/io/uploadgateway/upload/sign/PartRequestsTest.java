package io.uploadgateway.upload.sign;

import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.upload.sign.PartRequests.Asked;
import io.uploadgateway.upload.sign.PartRequests.Entry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parts a presign or lease asks for, without I/O. */
class PartRequestsTest {

    private static final String EMPTY_MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";

    @Test
    void aContentMd5IsTheCanonicalBase64OfSixteenBytes() {
        assertTrue(PartRequests.isBase64Of(EMPTY_MD5, 16));
        assertFalse(PartRequests.isBase64Of("1B2M2Y8AsgTpgAmY7PhCfh==", 16), "non-zero padding bits are not canonical");
        assertFalse(PartRequests.isBase64Of("1B2M2Y8AsgTpgAmY7PhCfg", 16), "padding is required");
        assertFalse(PartRequests.isBase64Of("d41d8cd98f00b204e9800998ecf8427e", 16), "hex is not base64 of 16 bytes");
        assertFalse(PartRequests.isBase64Of("1B2M2Y8AsgTpgAmY7PhC-g==", 16), "base64url is not what S3 takes");
        assertTrue(PartRequests.isBase64Of("AAAAAA==", 4));
        assertFalse(PartRequests.isBase64Of(EMPTY_MD5, 32));
    }

    @Test
    void partNumbersOrPartsNeverBoth() {
        assertEquals(List.of(Asked.of(3), Asked.of(1)), PartRequests.of(List.of(3, 1, 3), null, 1000, false));
        assertEquals(List.of(new Asked(2, EMPTY_MD5, null)),
                PartRequests.of(null, List.of(new Entry(2, EMPTY_MD5, null), new Entry(2, EMPTY_MD5, null)), 1000, false));
        assertNull(PartRequests.of(null, null, 1000, true), "a lease may name no parts");
        assertThrows(ApiProblem.class, () -> PartRequests.of(null, null, 1000, false));
        assertThrows(ApiProblem.class, () -> PartRequests.of(List.of(1), List.of(new Entry(1, null, null)), 1000, false));
        assertThrows(ApiProblem.class, () -> PartRequests.of(null, List.of(new Entry(1, "x", null)), 1000, false));
        assertThrows(ApiProblem.class, () -> PartRequests.of(null, List.of(new Entry(10_001, null, null)), 1000, false));
        assertThrows(ApiProblem.class, () -> PartRequests.of(List.of(1, 2, 3), null, 2, false));
    }
}
