package io.uploadgateway.reactive;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.unchecked.Unchecked;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.concurrent.Callable;

/**
 * CPU work that must not run on the event loop (signing a thousand URLs, detecting a file type),
 * done on a worker thread, then resumed on the caller's Vert.x context — where its reactive
 * database session lives, so the flow can go on to the ledger.
 */
public final class Worker {

    private Worker() {
    }

    public static <T> Uni<T> run(Callable<T> work) {
        Context context = Vertx.currentContext();
        if (context == null) {
            return Uni.createFrom().item(Unchecked.supplier(work::call)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        }
        return Uni.createFrom().completionStage(() -> context.executeBlocking(work, false).toCompletionStage());
    }
}
