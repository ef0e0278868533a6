package io.uploadgateway.support;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/** Deterministic test payloads and their digests. */
public final class Bytes {

    private Bytes() {
    }

    public static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
