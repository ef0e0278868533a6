package io.uploadgateway.storage;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.async.SdkPublisher;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A GetObject answer read into one array of exactly its Content-Length, the only copy made. The
 * SDK's own {@code AsyncResponseTransformer.toBytes()} grows a buffer by doubling and copies it
 * twice more on the way out: about five times the bytes allocated per byte read, which the scan
 * (a whole object read a chunk at a time, docs/benchmarks.md "The scan step") cannot afford under
 * a small heap. Written by hand because the SDK offers no transformer into a sized array.
 */
final class ExactBytes implements AsyncResponseTransformer<GetObjectResponse, byte[]> {

    private final int maxLength;
    private volatile CompletableFuture<byte[]> result;
    private volatile byte[] bytes;

    /** Reads at most {@code maxLength} bytes: an answer longer than that fails, never grows. */
    ExactBytes(int maxLength) {
        this.maxLength = maxLength;
    }

    @Override
    public CompletableFuture<byte[]> prepare() {
        result = new CompletableFuture<>();
        return result;
    }

    @Override
    public void onResponse(GetObjectResponse response) {
        long length = response.contentLength() == null ? -1 : response.contentLength();
        if (length < 0 || length > maxLength) {
            result.completeExceptionally(new IllegalStateException("GetObject answered " + length + " bytes, at most "
                    + maxLength + " were asked for"));
            return;
        }
        bytes = new byte[(int) length];
    }

    @Override
    public void onStream(SdkPublisher<ByteBuffer> publisher) {
        publisher.subscribe(new Subscriber<>() {
            private int filled;
            private Subscription subscription;

            @Override
            public void onSubscribe(Subscription s) {
                subscription = s;
                if (result.isDone()) {
                    s.cancel();
                } else {
                    s.request(Long.MAX_VALUE);
                }
            }

            @Override
            public void onNext(ByteBuffer buffer) {
                int n = buffer.remaining();
                if (filled + n > bytes.length) {
                    subscription.cancel();
                    result.completeExceptionally(new IllegalStateException("GetObject sent more than its Content-Length"));
                    return;
                }
                buffer.get(bytes, filled, n);
                filled += n;
            }

            @Override
            public void onError(Throwable failure) {
                result.completeExceptionally(failure);
            }

            @Override
            public void onComplete() {
                if (filled != bytes.length) {
                    result.completeExceptionally(new IllegalStateException("GetObject ended after " + filled + " of "
                            + bytes.length + " bytes"));
                } else {
                    result.complete(bytes);
                }
            }
        });
    }

    @Override
    public void exceptionOccurred(Throwable error) {
        result.completeExceptionally(error);
    }
}
