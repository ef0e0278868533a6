package io.uploadgateway.reactive;

import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.function.Supplier;

/**
 * Work that runs beside other work of the same flow, each on a Vert.x context of its own (a new
 * duplicate of the caller's: same event loop, its own locals). A reactive database session lives
 * in the context's locals and serves one operation at a time, so flows merged on one context
 * would share a session ("non-threadsafe access to session"); on their own contexts they do not.
 */
public final class OwnContext {

    private OwnContext() {
    }

    public static <T> Uni<T> run(Supplier<Uni<T>> work) {
        Context current = Vertx.currentContext();
        if (current == null) {
            return Uni.createFrom().deferred(work::get);
        }
        Context own = VertxContext.createNewDuplicatedContext(current);
        // Hibernate Reactive Panache only runs on a context flagged safe: this one is used by this work alone.
        VertxContextSafetyToggle.setContextSafe(own, true);
        return Uni.createFrom().emitter(emitter -> own.runOnContext(ignored -> work.get().subscribe().with(emitter::complete,
                emitter::fail)));
    }
}
