package io.uploadgateway.upload;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ContentDispositionTest {

    @Test
    void asciiNamesAppearInBothForms() {
        assertEquals("attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf",
                ContentDisposition.of("attachment", "report.pdf"));
    }

    @Test
    void nonAsciiNamesArePercentEncodedPerRfc8187() {
        assertEquals("inline; filename=\"_t_ 2026.mp4\"; filename*=UTF-8''%C3%A9t%C3%A9%202026.mp4",
                ContentDisposition.of("inline", "été 2026.mp4"));
    }

    @Test
    void quotesAndPercentCannotBreakTheHeader() {
        assertEquals("attachment; filename=\"a_b_c_.txt\"; filename*=UTF-8''a%22b%5Cc%25.txt",
                ContentDisposition.of("attachment", "a\"b\\c%.txt"));
    }

    @Test
    void onlyKnownDispositionTypes() {
        assertThrows(IllegalArgumentException.class, () -> ContentDisposition.of("form-data", "x"));
    }
}
