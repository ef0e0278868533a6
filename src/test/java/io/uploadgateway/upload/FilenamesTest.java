package io.uploadgateway.upload;

import io.uploadgateway.config.GatewayConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FilenamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"movie.mp4", "Résumé final (v2).pdf", "日本語のファイル.txt", ".bashrc", "a..b", "emoji 🎬.mov", "x"})
    void acceptsOrdinaryNames(String name) {
        assertNull(Filenames.problemWith(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "..", ".", "a/b", "a\\b", "/etc/passwd", "..\\..\\win.ini", "tab\there", "nul\u0000", "del\u007f"})
    void refusesDangerousNames(String name) {
        assertNotNull(Filenames.problemWith(name));
    }

    @Test
    void countsBytesNotCharacters() {
        assertNull(Filenames.problemWith("é".repeat(127)));      // 254 bytes
        assertNotNull(Filenames.problemWith("é".repeat(128)));   // 256 bytes
        assertNotNull(Filenames.problemWith("a".repeat(256)));
        assertNull(Filenames.problemWith("a".repeat(255)));
    }

    @Test
    void sanitisedSegmentsAreSafeKeyParts() {
        assertEquals("holiday_video.mp4", Filenames.sanitise("holiday video.mp4"));
        assertEquals("Résumé.pdf", Filenames.sanitise("Résumé.pdf"));
        assertEquals("bashrc", Filenames.sanitise(".bashrc"));
        assertEquals("a.b", Filenames.sanitise("a..b"));
        assertEquals("file", Filenames.sanitise("???"));
        assertEquals("a_b_c.txt", Filenames.sanitise("a%b#c.txt"));
    }

    @Test
    void longNamesKeepTheirExtension() {
        String sanitised = Filenames.sanitise("ü".repeat(127) + ".mp4");
        assertTrue(sanitised.endsWith(".mp4"), sanitised);
        assertTrue(sanitised.getBytes(StandardCharsets.UTF_8).length <= Filenames.MAX_SEGMENT_BYTES);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069",
            "\u200E", "\u200F", "\u061C"})
    void refusesInvisibleDirectionControls(String control) {
        String problem = Filenames.problemWith("invoice" + control + "fdp.exe");
        assertNotNull(problem, "U+" + Integer.toHexString(control.charAt(0)));
        assertTrue(problem.contains(String.format("U+%04X", (int) control.charAt(0))), problem);
    }

    @Test
    void keepsVisibleRightToLeftTextAndEmojiSequences() {
        assertNull(Filenames.problemWith("\u05E9\u05DC\u05D5\u05DD.txt"));           // Hebrew letters
        assertNull(Filenames.problemWith("\u0645\u0644\u0641.pdf"));                  // Arabic letters
        assertNull(Filenames.problemWith("family \uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67.jpg")); // ZWJ sequence
    }
}
