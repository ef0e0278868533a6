package io.uploadgateway.support;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Test builds only: serves the Uppy test page and its bundle ({@link UppyBundle#SITE}) at
 * {@code /uppy-test/}, on the gateway's own origin as a team's page would be. A test source, so
 * never part of the packaged app.
 */
@ApplicationScoped
public class UppyTestPages {

    void install(@Observes Router router) {
        router.route("/uppy-test/*").handler(StaticHandler.create(FileSystemAccess.ROOT, UppyBundle.SITE.toString())
                .setCachingEnabled(false).setIndexPage("index.html"));
    }
}
