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

    @Test
    void keysAreBuiltByTheGateway() {
        UUID id = UUID.fromString("00000000-0000-0000-0000-000000000001");
        assertEquals("uploads/alice/" + id + "/my_file.bin", ObjectKeys.forUpload(GatewayConfig.rootOf("uploads"), "alice", id, "my file.bin"));
        assertEquals("p/q/user_example.com/" + id + "/x.bin", ObjectKeys.forUpload(GatewayConfig.rootOf("/p/q/"), "user|example.com", id, "x.bin"));
        assertEquals("auth0_123/" + id + "/x.bin", ObjectKeys.forUpload(GatewayConfig.rootOf(""), "auth0|123", id, "x.bin"));
    }
}
