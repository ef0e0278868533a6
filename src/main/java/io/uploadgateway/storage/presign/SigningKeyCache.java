package io.uploadgateway.storage.presign;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The derived SigV4 signing keys of one region and service, a few at a time:
 * {@code kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, yyyyMMdd), region), service), "aws4_request")}.
 *
 * <p>A key is derived once per (access key id + secret, UTC day) and then reused by every URL
 * of that day. An entry matches only credentials with the same access key id <em>and</em> the
 * same secret, so a rotated secret under the same access key id gets a fresh key, and a key is
 * never used with another access key id (the {@code X-Amz-Credential} value comes from the
 * entry, so the two cannot disagree either). Entries are immutable; the slots are replaced
 * round-robin, so a handful of credentials in use at once (old and new during a rotation, or
 * yesterday and today around midnight) do not evict each other on every call. Thread-safe and
 * lock-free: two threads missing at once both derive, which is harmless.
 */
final class SigningKeyCache {

    static final int SLOTS = 4;

    private final String region;
    private final String service;
    private final AtomicReferenceArray<SigningKey> slots = new AtomicReferenceArray<>(SLOTS);
    private final AtomicInteger nextSlot = new AtomicInteger();
    private final AtomicLong derivations = new AtomicLong();

    SigningKeyCache(String region, String service) {
        this.region = region;
        this.service = service;
    }

    /** The signing key for these credentials on this UTC day (days since 1970-01-01), derived on a miss. */
    SigningKey get(SigningCredentials credentials, long epochDay) {
        for (int i = 0; i < SLOTS; i++) {
            SigningKey key = slots.get(i);
            if (key != null && key.epochDay == epochDay && key.credentials.sameKeyAs(credentials)) {
                return key;
            }
        }
        SigningKey key = SigningKey.derive(credentials, epochDay, region, service);
        derivations.incrementAndGet();
        slots.set(Math.floorMod(nextSlot.getAndIncrement(), SLOTS), key);
        return key;
    }

    /** How many keys were derived so far (for tests and metrics). */
    long derivations() {
        return derivations.get();
    }

    /** One derived key and the scope strings that go with it. Immutable. */
    static final class SigningKey {
        /** The credentials the key was derived from (compared by access key id and secret). */
        final SigningCredentials credentials;
        final long epochDay;
        final SecretKeySpec key;
        /** {@code yyyyMMdd} */
        final byte[] dateStamp;
        /** {@code yyyyMMdd/region/service/aws4_request}, for the string to sign. */
        final byte[] scope;
        /** {@code accessKeyId/yyyyMMdd/region/service/aws4_request}, URI-encoded, for X-Amz-Credential. */
        final byte[] encodedCredential;

        private SigningKey(SigningCredentials credentials, long epochDay, SecretKeySpec key, byte[] dateStamp,
                           byte[] scope, byte[] encodedCredential) {
            this.credentials = credentials;
            this.epochDay = epochDay;
            this.key = key;
            this.dateStamp = dateStamp;
            this.scope = scope;
            this.encodedCredential = encodedCredential;
        }

        static SigningKey derive(SigningCredentials credentials, long epochDay, String region, String service) {
            Mac mac;
            try {
                // its own Mac: rare (once per credentials and day), and no thread's signing Mac is re-keyed
                mac = Mac.getInstance("HmacSHA256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            byte[] dateStamp = new byte[8];
            SigV4Time.writeDate(epochDay, dateStamp, 0);
            String date = new String(dateStamp, StandardCharsets.US_ASCII);
            byte[] secret = ("AWS4" + credentials.secretAccessKey()).getBytes(StandardCharsets.UTF_8);
            byte[] k = hmac(mac, secret, dateStamp);
            k = hmac(mac, k, region.getBytes(StandardCharsets.UTF_8));
            k = hmac(mac, k, service.getBytes(StandardCharsets.UTF_8));
            k = hmac(mac, k, SigV4Presigner.TERMINATOR);
            String scope = date + "/" + region + "/" + service + "/aws4_request";
            return new SigningKey(credentials, epochDay, new SecretKeySpec(k, "HmacSHA256"), dateStamp,
                    scope.getBytes(StandardCharsets.UTF_8),
                    AsciiBuffer.uriEncoded(credentials.accessKeyId() + "/" + scope, false));
        }

        private static byte[] hmac(Mac mac, byte[] key, byte[] data) {
            try {
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
            } catch (InvalidKeyException e) {
                throw new IllegalStateException(e);
            }
            return mac.doFinal(data);
        }

        /** The derived key bytes (tests only). */
        byte[] keyBytes() {
            return key.getEncoded();
        }
    }
}
