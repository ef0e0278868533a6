package io.uploadgateway.upload;

import org.apache.tika.Tika;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Declared type against the allowed list, and against what Tika detects in real file headers. */
class ContentPolicyTest {

    private static final Tika TIKA = new Tika();
    private static final ContentPolicy MEDIA = ContentPolicy.allowing(List.of("video/*", "image/*", "application/pdf"));
    private static final ContentPolicy ANYTHING = ContentPolicy.allowing(List.of("*/*"));

    static final byte[] MP4 = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm', 'i', 's', 'o', '2'};
    static final byte[] QUICKTIME = {0, 0, 0, 0x14, 'f', 't', 'y', 'p', 'q', 't', ' ', ' ', 0, 0, 2, 0, 'q', 't', ' ', ' '};
    static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0};
    static final byte[] ZIP = {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 'a', '.', 't', 'x', 't'};
    static final byte[] EXE = {'M', 'Z', (byte) 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, (byte) 0xff, (byte) 0xff, 0, 0};

    @Test
    void patternsAllowWholeKindsOrExactTypes() {
        assertTrue(MEDIA.allows("video/mp4"));
        assertTrue(MEDIA.allows("IMAGE/PNG; charset=binary"));
        assertTrue(MEDIA.allows("application/pdf"));
        assertFalse(MEDIA.allows("application/zip"));
        assertFalse(MEDIA.allows("application/octet-stream"));
        assertTrue(ANYTHING.allows("application/x-msdownload"));
    }

    @Test
    void realHeadersOfTheDeclaredTypePass() {
        assertNull(MEDIA.problemWith("video/mp4", TIKA.detect(MP4)));
        assertNull(MEDIA.problemWith("image/png", TIKA.detect(PNG)));
        assertNull(MEDIA.problemWith("video/mp4", TIKA.detect(QUICKTIME)), "a phone's QuickTime is a video too");
    }

    @Test
    void aZipOrAnExecutableDeclaredAsVideoIsRejected() {
        String zip = TIKA.detect(ZIP);
        assertEquals("application/zip", zip);
        assertNotNull(MEDIA.problemWith("video/mp4", zip));
        assertNotNull(ANYTHING.problemWith("video/mp4", zip), "even where every type is allowed, the bytes contradict the declaration");
        assertNotNull(ANYTHING.problemWith("video/mp4", TIKA.detect(EXE)));
    }

    @Test
    void bytesOfAnUnacceptedTypeAreRejectedEvenWhenDeclaredSo() {
        assertNotNull(MEDIA.problemWith("application/octet-stream", TIKA.detect(ZIP)));
        assertNull(ANYTHING.problemWith("application/octet-stream", TIKA.detect(ZIP)));
    }

    @Test
    void bytesTikaCannotNameNeverContradictTheDeclaration() {
        byte[] noise = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals("application/octet-stream", TIKA.detect(noise));
        assertNull(MEDIA.problemWith("video/mp4", TIKA.detect(noise)));
    }

    @Test
    void onlyHarmlessTypesAreShownInline() {
        assertTrue(ContentPolicy.safeInline("application/pdf"));
        assertTrue(ContentPolicy.safeInline("image/png"));
        assertFalse(ContentPolicy.safeInline("text/html"));
        assertFalse(ContentPolicy.safeInline("image/svg+xml"));
        assertFalse(ContentPolicy.safeInline("application/octet-stream"));
    }
}
