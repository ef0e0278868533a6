package io.uploadgateway.support;

import io.uploadgateway.embedded.EmbeddedStack;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Credentials that expire ten minutes after each resolution, as STS, IRSA or an instance profile
 * hand them out. Real temporary credentials also carry a session token, which S3Proxy refuses
 * ("NotImplemented"), so these carry only the expiry: what the gateway's lifetime cap reads.
 * (Signing with a session token is proven against the AWS SDK's own signer in the presign engine's
 * oracle tests.) Used only where a test asks for it ({@code TestStack} knob {@code credentials=expiring}).
 */
@ApplicationScoped
@Named(ExpiringCredentials.NAME)
public class ExpiringCredentials implements AwsCredentialsProvider {

    public static final String NAME = "expiring-test-credentials";
    public static final Duration LIFETIME = Duration.ofMinutes(10);

    @Override
    public AwsCredentials resolveCredentials() {
        Instant expiry = Instant.now().plus(LIFETIME);
        return new AwsCredentials() {
            @Override
            public String accessKeyId() {
                return EmbeddedStack.ACCESS_KEY;
            }

            @Override
            public String secretAccessKey() {
                return EmbeddedStack.SECRET_KEY;
            }

            @Override
            public Optional<Instant> expirationTime() {
                return Optional.of(expiry);
            }
        };
    }
}
