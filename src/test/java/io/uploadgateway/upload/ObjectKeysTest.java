package io.uploadgateway.upload;

import io.uploadgateway.config.GatewayConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObjectKeysTest {

    private static final UUID ID = UUID.fromString("6f1c0c3e-2d7b-4f3a-9c1e-0a2b3c4d5e6f");
    private static final String ROOT = GatewayConfig.rootOf("uploads");

    @Test
    void keysAreRootOwnerSegmentUploadIdAndSanitisedFilename() {
        String key = ObjectKeys.forUpload(ROOT, "alice", ID, "my file.bin");
        assertTrue(key.matches("uploads/alice-[a-z2-7]{24}/" + ID + "/my_file\\.bin"), key);
        assertTrue(ObjectKeys.forUpload(GatewayConfig.rootOf("/p/q/"), "alice", ID, "x.bin").startsWith("p/q/alice-"));
        assertTrue(ObjectKeys.forUpload(GatewayConfig.rootOf(""), "alice", ID, "x.bin").startsWith("alice-"));
    }

    @Test
    void aQuarantinedObjectIsKeptUnderTheRootsQuarantinePrefix() {
        String key = ObjectKeys.forUpload(ROOT, "alice", ID, "x.bin");
        assertEquals("uploads/quarantine/" + key.substring(ROOT.length()), ObjectKeys.quarantineFor(ROOT, key));
        assertEquals("quarantine/elsewhere/x.bin", ObjectKeys.quarantineFor("", "elsewhere/x.bin"));
    }

    @Test
    void theSegmentIsStableForOneOwner() {
        assertEquals(ObjectKeys.ownerSegment("auth0|123"), ObjectKeys.ownerSegment("auth0|123"));
    }

    @Test
    void subjectsThatSanitiseAlikeGetDistinctSegments() {
        // The old scheme put Filenames.sanitise(owner) into the key: all of these were "auth0_1".
        List<String> lookalikes = List.of("auth0|1", "auth0_1", "auth0 1", "auth0/1", "AUTH0|1", "auth0|1 ");
        Set<String> segments = new HashSet<>();
        for (String owner : lookalikes) {
            String segment = ObjectKeys.ownerSegment(owner);
            assertTrue(segment.startsWith("auth0_1-"), segment);
            segments.add(segment);
        }
        assertEquals(lookalikes.size(), segments.size(), segments.toString());
        assertNotEquals(ObjectKeys.forUpload(ROOT, "auth0|1", ID, "a.bin"), ObjectKeys.forUpload(ROOT, "auth0_1", ID, "a.bin"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice@example.com", "Jane.Doe+uploads@corp.example.org", "a@b", "@", "x@"})
    void noPartOfAnEmailAddressReachesTheKey(String email) {
        String segment = ObjectKeys.ownerSegment(email);
        assertTrue(segment.matches("email-[a-z2-7]{24}"), segment);
        String local = email.substring(0, email.indexOf('@')).toLowerCase();
        String domain = email.substring(email.indexOf('@') + 1).toLowerCase();
        for (String part : List.of(local, domain)) {
            if (part.length() >= 3) {
                assertFalse(segment.contains(part.replaceAll("[^a-z0-9]", "_")), segment + " leaks " + part);
            }
        }
    }

    @Test
    void longOrUnreadableSubjectsGiveShortSegments() {
        String segment = ObjectKeys.ownerSegment("x".repeat(10_000));
        assertEquals("x".repeat(16) + "-", segment.substring(0, 17));
        assertEquals(16 + 1 + 24, segment.length());
        assertTrue(ObjectKeys.ownerSegment("日本語").matches("u-[a-z2-7]{24}"), ObjectKeys.ownerSegment("日本語"));
        assertTrue(ObjectKeys.ownerSegment("f47ac10b-58cc-4372-a567-0e02b2c3d479").startsWith("f47ac10b_58cc_43-"));
        assertTrue(ObjectKeys.ownerSegment("--a--b--").startsWith("a_b-"), ObjectKeys.ownerSegment("--a--b--"));
    }

    @Test
    void theHashIsBase32OfSha256() {
        // SHA-256("abc") = ba7816bf...; its RFC 4648 base32, lowercased, begins as below
        assertEquals("xj4bnp4pahh6uqkbidpf3lrc", ObjectKeys.hash("abc"));
    }

    @Test
    void recognisesEveryKeyTheGatewayBuilds() {
        for (String owner : List.of("alice", "auth0|1", "bob@example.com", "日本語", "x".repeat(300))) {
            for (String filename : List.of("movie.mp4", "Résumé final (v2).pdf", ".bashrc", "???", "ü".repeat(127) + ".mp4")) {
                String key = ObjectKeys.forUpload(ROOT, owner, UUID.randomUUID(), filename);
                assertTrue(ObjectKeys.isGatewayKey(ROOT, key), key);
            }
        }
        String nested = GatewayConfig.rootOf("tenants/acme/uploads");
        assertTrue(ObjectKeys.isGatewayKey(nested, ObjectKeys.forUpload(nested, "alice", ID, "a.bin")));
    }

    @Test
    void keysOfOtherApplicationsUnderTheSamePrefixDoNotMatch() {
        String segment = ObjectKeys.ownerSegment("alice");
        List<String> foreign = List.of(
                "uploads/alice/" + ID + "/a.bin",                          // the old, unhashed owner segment
                "uploads/crashed/" + ID + "/half-created.bin",
                "uploads/" + segment + "/" + ID,                             // no filename
                "uploads/" + segment + "/" + ID + "/",                       // empty filename
                "uploads/" + segment + "/" + ID + "/a/b.bin",                // a deeper path
                "uploads/" + segment + "/" + ID.toString().toUpperCase() + "/a.bin", // not the canonical id
                "uploads/" + segment + "/not-a-uuid/a.bin",
                "uploads/" + segment + "/" + ID + "/has space.bin",          // not a sanitised name
                "uploads/" + segment + "/" + ID + "/.hidden",
                "uploads/" + segment.toUpperCase() + "/" + ID + "/a.bin",
                "uploads/" + segment + "x/" + ID + "/a.bin",                 // hash one character too long
                "uploads/" + segment.substring(0, segment.length() - 1) + "/" + ID + "/a.bin",
                "uploads/-" + segment.substring(segment.indexOf('-') + 1) + "/" + ID + "/a.bin", // no slug
                "uploads//" + ID + "/a.bin",
                "uploadsX/" + segment + "/" + ID + "/a.bin",                 // another prefix that starts alike
                "other/" + segment + "/" + ID + "/a.bin",
                "uploads/thumbnails/2026/01/a.jpg",
                "uploads/" + segment + "/" + ID + "/a.bin/");
        for (String key : foreign) {
            assertFalse(ObjectKeys.isGatewayKey(ROOT, key), key);
        }
    }

    @Test
    void anEmptyOrMalformedRootClaimsNothing() {
        String key = ObjectKeys.forUpload("", "alice", ID, "a.bin");
        assertFalse(ObjectKeys.isGatewayKey("", key));
        assertFalse(ObjectKeys.isGatewayKey(null, key));
        assertFalse(ObjectKeys.isGatewayKey("uploads", "uploads/" + key));  // a root always ends in '/'
        assertFalse(ObjectKeys.isGatewayKey(ROOT, null));
    }

    @Test
    void aStagingKeyNamesItsUploadAndIsNoUploadsKey() {
        String stagingRoot = ROOT + "staging/";
        String staging = ObjectKeys.stagingFor(stagingRoot, ID);
        assertEquals("uploads/staging/" + ID, staging);
        assertEquals(java.util.Optional.of(ID), ObjectKeys.stagedUpload(stagingRoot, staging));
        assertFalse(ObjectKeys.isGatewayKey(ROOT, staging), "the orphan sweep of multipart uploads leaves it alone");
        // Anything else under the staging root, and every upload's key, stages nothing.
        assertEquals(java.util.Optional.empty(), ObjectKeys.stagedUpload(stagingRoot, staging + "/x"));
        assertEquals(java.util.Optional.empty(), ObjectKeys.stagedUpload(stagingRoot, stagingRoot + ID.toString().toUpperCase()));
        assertEquals(java.util.Optional.empty(), ObjectKeys.stagedUpload(stagingRoot, ObjectKeys.forUpload(ROOT, "staging", ID, "x")));
    }
}
