package io.uploadgateway.upload;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class UploadRulesTest {

    @Test
    void mediaTypes() {
        assertNull(UploadRules.contentTypeProblem("video/mp4"));
        assertNull(UploadRules.contentTypeProblem("text/plain; charset=utf-8"));
        assertNull(UploadRules.contentTypeProblem("application/vnd.openxmlformats-officedocument.wordprocessingml.document"));
        assertNull(UploadRules.contentTypeProblem(null));
        assertNotNull(UploadRules.contentTypeProblem("video"));
        assertNotNull(UploadRules.contentTypeProblem("video/mp4\r\nX-Evil: 1"));
        assertNotNull(UploadRules.contentTypeProblem("a b/c"));
    }

    @Test
    void metadataMustFitAsS3Headers() {
        assertNull(UploadRules.metadataProblem(Map.of("camera", "Pixel 9", "album-id", "42")));
        assertNotNull(UploadRules.metadataProblem(Map.of("bad key", "v")));
        assertNotNull(UploadRules.metadataProblem(Map.of("k", "line\nbreak")));
        assertNotNull(UploadRules.metadataProblem(Map.of("k", "x".repeat(3000))));
    }

    @Test
    void etagsAreStoredQuoted() {
        assertEquals("\"abc\"", UploadRules.normaliseEtag("abc"));
        assertEquals("\"abc\"", UploadRules.normaliseEtag("\"abc\""));
        assertEquals("\"abc-3\"", UploadRules.normaliseEtag("W/\"abc-3\""));
        assertNull(UploadRules.etagProblem("\"9b2cf535f27731c974343645a3985328\""));
        assertNotNull(UploadRules.etagProblem(""));
        assertNotNull(UploadRules.etagProblem("has space"));
    }
}
