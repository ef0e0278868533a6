package io.uploadgateway.storage.presign;

import io.uploadgateway.support.TestClock;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The daily signing key: derived once per credentials and UTC day, never shared across secrets. */
class SigningKeyCacheTest {

    private static final SigningCredentials ALICE = SigningCredentials.of("AKIDALICE", "secret-one");
    private static final Duration FIFTEEN_MINUTES = Duration.ofMinutes(15);

    /** AWS's published derivation example (secret, 20120215, us-east-1, iam) in the SigV4 documentation. */
    @Test
    void derivesTheDocumentedSigningKey() {
        SigningKeyCache cache = new SigningKeyCache("us-east-1", "iam");
        long day = Instant.parse("2012-02-15T00:00:00Z").getEpochSecond() / 86_400;
        SigningKeyCache.SigningKey key = cache.get(SigningCredentials.of("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), day);
        assertEquals("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d", HexFormat.of().formatHex(key.keyBytes()));
        assertEquals("20120215/us-east-1/iam/aws4_request", new String(key.scope));
        assertEquals("AKIDEXAMPLE%2F20120215%2Fus-east-1%2Fiam%2Faws4_request", new String(key.encodedCredential));
    }

    @Test
    void oneDerivationPerCredentialsAndDay() {
        SigningKeyCache cache = new SigningKeyCache("eu-west-1", "s3");
        SigningKeyCache.SigningKey first = cache.get(ALICE, 20_000);
        for (int i = 0; i < 1000; i++) {
            assertSame(first, cache.get(ALICE, 20_000));
        }
        // equal credentials in another object: same key, no derivation
        assertSame(first, cache.get(SigningCredentials.of("AKIDALICE", "secret-one"), 20_000));
        // a session token does not change the key (the token goes into the URL, not the key)
        assertSame(first, cache.get(SigningCredentials.of("AKIDALICE", "secret-one", "token"), 20_000));
        assertEquals(1, cache.derivations());
    }

    @Test
    void aNewDayDerivesANewKey() {
        SigningKeyCache cache = new SigningKeyCache("eu-west-1", "s3");
        SigningKeyCache.SigningKey today = cache.get(ALICE, 20_000);
        SigningKeyCache.SigningKey tomorrow = cache.get(ALICE, 20_001);
        assertNotSame(today, tomorrow);
        assertFalse(java.util.Arrays.equals(today.keyBytes(), tomorrow.keyBytes()));
        assertEquals("20241004", new String(today.dateStamp));
        assertEquals("20241005", new String(tomorrow.dateStamp));
        // both days stay cached (a URL signed at 23:59:59.9 next to one at 00:00:00.1)
        assertSame(today, cache.get(ALICE, 20_000));
        assertSame(tomorrow, cache.get(ALICE, 20_001));
        assertEquals(2, cache.derivations());
    }

    @Test
    void aRotatedSecretUnderTheSameAccessKeyIsNeverServedTheOldKey() {
        SigningKeyCache cache = new SigningKeyCache("eu-west-1", "s3");
        SigningKeyCache.SigningKey old = cache.get(ALICE, 20_000);
        SigningCredentials rotated = SigningCredentials.of("AKIDALICE", "secret-two");
        SigningKeyCache.SigningKey fresh = cache.get(rotated, 20_000);
        assertNotSame(old, fresh);
        assertFalse(java.util.Arrays.equals(old.keyBytes(), fresh.keyBytes()));
        assertArrayEquals(SigningKeyCache.SigningKey.derive(rotated, 20_000, "eu-west-1", "s3").keyBytes(), fresh.keyBytes());
        // and the other way round
        assertSame(old, cache.get(ALICE, 20_000));
        assertSame(fresh, cache.get(rotated, 20_000));
    }

    @Test
    void anotherAccessKeyWithTheSameSecretGetsItsOwnEntry() {
        SigningKeyCache cache = new SigningKeyCache("eu-west-1", "s3");
        SigningKeyCache.SigningKey alice = cache.get(ALICE, 20_000);
        SigningKeyCache.SigningKey bob = cache.get(SigningCredentials.of("AKIDBOB", "secret-one"), 20_000);
        assertNotSame(alice, bob);
        // same key bytes (the key depends on the secret only) but each carries its own access key id
        assertArrayEquals(alice.keyBytes(), bob.keyBytes());
        assertTrue(new String(alice.encodedCredential).startsWith("AKIDALICE%2F"));
        assertTrue(new String(bob.encodedCredential).startsWith("AKIDBOB%2F"));
    }

    @Test
    void moreCredentialsThanSlotsStayCorrect() {
        SigningKeyCache cache = new SigningKeyCache("eu-west-1", "s3");
        List<SigningCredentials> many = new ArrayList<>();
        for (int i = 0; i < SigningKeyCache.SLOTS * 3; i++) {
            many.add(SigningCredentials.of("AKID" + i, "secret-" + i));
        }
        for (int round = 0; round < 3; round++) {
            for (SigningCredentials credentials : many) {
                SigningKeyCache.SigningKey key = cache.get(credentials, 20_000 + round);
                assertSame(credentials.accessKeyId(), key.credentials.accessKeyId());
                assertArrayEquals(SigningKeyCache.SigningKey.derive(credentials, 20_000 + round, "eu-west-1", "s3").keyBytes(),
                        key.keyBytes());
            }
        }
    }

    /** Through the engine: the URL's scope date and key follow the clock across midnight. */
    @Test
    void theEngineFollowsTheDayAcrossMidnight() {
        TestClock clock = TestClock.at(Instant.parse("2026-11-30T23:59:59.900Z"));
        SigV4Presigner engine = new SigV4Presigner(S3Endpoint.custom(URI.create("http://127.0.0.1:9000"), "us-east-1", true), clock);
        UploadPartTarget target = engine.uploadPartTarget("bucket", "key", "upload");
        PresignedUrl before = engine.presignUploadPart(target, 1, 10, FIFTEEN_MINUTES, ALICE);
        clock.set(Instant.parse("2026-12-01T00:00:00.100Z"));
        PresignedUrl after = engine.presignUploadPart(target, 1, 10, FIFTEEN_MINUTES, ALICE);
        assertTrue(before.url().contains("X-Amz-Date=20261130T235959Z&"), before.url());
        assertTrue(before.url().contains("X-Amz-Credential=AKIDALICE%2F20261130%2Fus-east-1%2Fs3%2Faws4_request&"), before.url());
        assertTrue(after.url().contains("X-Amz-Date=20261201T000000Z&"), after.url());
        assertTrue(after.url().contains("X-Amz-Credential=AKIDALICE%2F20261201%2Fus-east-1%2Fs3%2Faws4_request&"), after.url());
        assertEquals(Instant.parse("2026-12-01T00:14:59Z"), before.expiresAt());
        assertEquals(Instant.parse("2026-12-01T00:15:00Z"), after.expiresAt());
        assertEquals(2, engine.signingKeyDerivations());
        // back before midnight: still cached
        clock.set(Instant.parse("2026-11-30T23:59:59.999Z"));
        assertEquals(before.url(), engine.presignUploadPart(target, 1, 10, FIFTEEN_MINUTES, ALICE).url());
        assertEquals(2, engine.signingKeyDerivations());
    }

    /** Through the engine: a rotated secret or a new token shows up in the very next URL. */
    @Test
    void theEngineNeverMixesRotatedCredentials() {
        TestClock clock = TestClock.at(Instant.parse("2026-11-30T12:00:00Z"));
        S3Endpoint endpoint = S3Endpoint.custom(URI.create("http://127.0.0.1:9000"), "us-east-1", true);
        SigV4Presigner engine = new SigV4Presigner(endpoint, clock);
        UploadPartTarget target = engine.uploadPartTarget("bucket", "key", "upload");
        SigningCredentials v1 = SigningCredentials.of("ASIA1", "secret-1", "token-1");
        SigningCredentials v2 = SigningCredentials.of("ASIA1", "secret-2", "token-2");
        SigningCredentials v1OtherToken = SigningCredentials.of("ASIA1", "secret-1", "token-1b");
        PresignedUrl a = engine.presignUploadPart(target, 1, 10, FIFTEEN_MINUTES, v1);
        PresignedUrl b = engine.presignUploadPart(target, 1, 10, FIFTEEN_MINUTES, v2);
        PresignedUrl c = engine.presignUploadPart(target, 1, 10, FIFTEEN_MINUTES, v1OtherToken);
        assertTrue(a.url().contains("X-Amz-Security-Token=token-1&"));
        assertTrue(b.url().contains("X-Amz-Security-Token=token-2&"));
        assertTrue(c.url().contains("X-Amz-Security-Token=token-1b&"));
        assertNotEquals(signature(a), signature(b));
        assertNotEquals(signature(a), signature(c));
        // each equals what a fresh signer (empty cache) makes for the same credentials
        for (var pair : List.of(List.of(a, v1), List.of(b, v2), List.of(c, v1OtherToken))) {
            SigV4Presigner fresh = new SigV4Presigner(endpoint, clock);
            assertEquals(((PresignedUrl) pair.get(0)).url(), fresh.presignUploadPart(fresh.uploadPartTarget("bucket", "key", "upload"),
                    1, 10, FIFTEEN_MINUTES, (SigningCredentials) pair.get(1)).url());
        }
        assertEquals(2, engine.signingKeyDerivations());
    }

    /**
     * Many threads, more credentials than cache slots, the day changing under them: every URL
     * must be the one a fresh single-threaded signer makes.
     */
    @Test
    void concurrentUseWithChurningCredentialsAndDays() throws Exception {
        S3Endpoint endpoint = S3Endpoint.custom(URI.create("http://127.0.0.1:9000"), "us-east-1", true);
        List<SigningCredentials> credentials = new ArrayList<>();
        for (int i = 0; i < SigningKeyCache.SLOTS + 3; i++) {
            credentials.add(SigningCredentials.of("AKID" + (i % 3), "secret-" + i, i % 2 == 0 ? null : "token-" + i));
        }
        long[] instants = {Instant.parse("2026-11-30T23:59:59.500Z").toEpochMilli(), Instant.parse("2026-12-01T00:00:00.500Z").toEpochMilli()};
        // expected[day][credentials][part]
        String[][][] expected = new String[2][credentials.size()][20];
        for (int d = 0; d < 2; d++) {
            for (int c = 0; c < credentials.size(); c++) {
                for (int p = 0; p < 20; p++) {
                    SigV4Presigner fresh = new SigV4Presigner(endpoint, TestClock.at(Instant.ofEpochMilli(instants[d])));
                    expected[d][c][p] = fresh.presignUploadPart(fresh.uploadPartTarget("bucket", "k/ey", "up+load"), p + 1,
                            1000 + p, FIFTEEN_MINUTES, credentials.get(c)).url();
                }
            }
        }
        // one signer per day (the clock is per signer), shared by all threads
        SigV4Presigner[] shared = {new SigV4Presigner(endpoint, TestClock.at(Instant.ofEpochMilli(instants[0]))),
                new SigV4Presigner(endpoint, TestClock.at(Instant.ofEpochMilli(instants[1])))};
        UploadPartTarget[] targets = {shared[0].uploadPartTarget("bucket", "k/ey", "up+load"),
                shared[1].uploadPartTarget("bucket", "k/ey", "up+load")};
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                results.add(pool.submit((Callable<Integer>) () -> {
                    java.util.Random random = new java.util.Random(seed);
                    int checked = 0;
                    for (int i = 0; i < 5000; i++) {
                        int d = random.nextInt(2);
                        int c = random.nextInt(credentials.size());
                        int p = random.nextInt(20);
                        String url = shared[d].presignUploadPart(targets[d], p + 1, 1000 + p, FIFTEEN_MINUTES, credentials.get(c)).url();
                        assertEquals(expected[d][c][p], url);
                        checked++;
                    }
                    return checked;
                }));
            }
            int total = 0;
            for (Future<Integer> result : results) {
                total += result.get();
            }
            assertEquals(40_000, total);
        } finally {
            pool.shutdownNow();
        }
    }

    private static String signature(PresignedUrl url) {
        return url.url().substring(url.url().length() - 64);
    }
}
