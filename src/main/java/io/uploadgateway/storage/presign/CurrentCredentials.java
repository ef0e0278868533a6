package io.uploadgateway.storage.presign;

import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;

import java.util.Objects;

/**
 * The small holder between the SDK's credentials provider (the one the S3 client uses, e.g.
 * {@code s3.serviceConfiguration().credentialsProvider()}) and the signer: {@link #get()} asks
 * the provider for its current identity, which the SDK caches and refreshes itself (temporary
 * credentials rotate there), and converts it to {@link SigningCredentials} only when the
 * provider hands out a different identity object. Call it once per presign request (or per
 * URL: a hit costs one {@code resolveIdentity()} and an identity comparison). Thread-safe.
 */
public final class CurrentCredentials {

    private final IdentityProvider<? extends AwsCredentialsIdentity> provider;
    private volatile Converted last;

    private record Converted(AwsCredentialsIdentity identity, SigningCredentials credentials) {
    }

    public CurrentCredentials(IdentityProvider<? extends AwsCredentialsIdentity> provider) {
        this.provider = Objects.requireNonNull(provider, "provider");
    }

    /** The credentials current now; blocks only while the SDK provider itself refreshes. */
    public SigningCredentials get() {
        AwsCredentialsIdentity identity = provider.resolveIdentity().join();
        Converted converted = last;
        if (converted == null || converted.identity() != identity) {
            converted = new Converted(identity, of(identity));
            last = converted;
        }
        return converted.credentials();
    }

    /** One SDK identity as signing credentials (with its session token, if it has one). */
    public static SigningCredentials of(AwsCredentialsIdentity identity) {
        String token = identity instanceof AwsSessionCredentialsIdentity session ? session.sessionToken() : null;
        return SigningCredentials.of(identity.accessKeyId(), identity.secretAccessKey(), token);
    }
}
