package io.uploadgateway.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;

/**
 * An RSA key pair in PEM files for signing and verifying local bearer tokens (dev mode and
 * tests). Production verifies tokens of a real issuer via {@code mp.jwt.verify.publickey.location}.
 */
public record DevKeys(Path privateKey, Path publicKey) {

    /** Reuses the pair in {@code dir} if there is one, so tokens minted earlier stay valid. */
    public static DevKeys in(Path dir) throws IOException, GeneralSecurityException {
        Files.createDirectories(dir);
        Path privatePem = dir.resolve("jwt-private.pem");
        Path publicPem = dir.resolve("jwt-public.pem");
        if (!Files.exists(privatePem) || !Files.exists(publicPem)) {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            Files.writeString(publicPem, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
            Files.writeString(privatePem, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
        }
        return new DevKeys(privatePem.toAbsolutePath(), publicPem.toAbsolutePath());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
