package io.uploadgateway.storage.presign;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The holder between an SDK credentials provider and the signer follows the provider's rotations. */
class CurrentCredentialsTest {

    @Test
    void convertsOncePerIdentityAndFollowsRotation() {
        AtomicReference<AwsCredentials> current = new AtomicReference<>(AwsSessionCredentials.create("ASIA1", "s1", "t1"));
        AwsCredentialsProvider provider = current::get;
        CurrentCredentials holder = new CurrentCredentials(provider);

        SigningCredentials first = holder.get();
        assertEquals("ASIA1", first.accessKeyId());
        assertEquals("t1", first.sessionToken());
        assertSame(first, holder.get());

        current.set(AwsSessionCredentials.create("ASIA2", "s2", "t2"));
        SigningCredentials rotated = holder.get();
        assertNotSame(first, rotated);
        assertEquals("ASIA2", rotated.accessKeyId());
        assertEquals("t2", rotated.sessionToken());

        current.set(AwsBasicCredentials.create("AKID", "secret"));
        assertNull(holder.get().sessionToken());
    }
}
