package io.uploadgateway.reactive;

import io.smallrye.mutiny.Uni;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Work that, once started, runs to its end even when whoever waits for it goes away. A client
 * that closes its connection cancels the request's Uni, and a cancelled Uni stops wherever it
 * is: between CreateMultipartUpload and the ledger insert (a multipart upload no row owns), or in
 * the middle of a transaction (Hibernate Reactive then closes the session under the running
 * statement and logs "Session/EntityManager is closed" and "Live transaction detected"). Here the
 * work has a subscriber of its own; the caller's cancellation only stops the caller from waiting.
 * Every network call inside has its own timeout, so the work always ends.
 */
public final class RunToEnd {

    private RunToEnd() {
    }

    public static <T> Uni<T> of(Supplier<Uni<T>> work) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<T> outcome = new CompletableFuture<>();
            work.get().subscribe().with(outcome::complete, outcome::completeExceptionally);
            return Uni.createFrom().completionStage(outcome);
        });
    }
}
