package io.uploadgateway.upload.ledger;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateEvent;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.impl.Connection;
import io.vertx.sqlclient.impl.SocketConnectionBase;
import io.vertx.sqlclient.impl.SqlConnectionBase;
import org.jboss.logging.Logger;

/**
 * Closes a PostgreSQL connection on which the server has said nothing for the silence timeout,
 * so that the call waiting on it fails (and answers 503) and the pool drops it.
 * <p>
 * The connection's own read-idle timeout ({@code gateway.ledger.silence-timeout}) notices the
 * silence, but on its own it closes nothing: Vert.x answers it with a close, and the pg client's
 * codec turns every close into a graceful one — it sends Terminate, shuts down its output and
 * waits for the server to close the socket. A frozen server never does, so the connection stays
 * open, its query pending and its place in the pool taken. This handler sits between the idle
 * handler and that codec, sees the idle event first and closes the channel itself, below the
 * codec: the channel goes inactive, the codec fails the query in flight with
 * {@code ClosedConnectionException}, and the pool forgets the connection.
 * <p>
 * Written by hand because the pg client offers no client-side deadline; it reaches the channel
 * through the client's implementation classes, and {@code FrozenDatabaseDrillTest} fails if an
 * upgrade moves them.
 */
final class SilentServerCutoff extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = Logger.getLogger(SilentServerCutoff.class);
    /** The name Vert.x gives the idle handler it adds for a read-idle timeout. */
    private static final String VERTX_IDLE_HANDLER = "idle";
    private static final String NAME = "gateway-silent-server-cutoff";

    private SilentServerCutoff() {
    }

    /** Installs the cutoff on a connection the pool has just opened. */
    static void install(SqlConnection connection) {
        ChannelPipeline pipeline = pipelineOf(connection);
        if (pipeline == null || pipeline.get(VERTX_IDLE_HANDLER) == null) {
            LOG.warn("cannot install the silent-server cutoff on a ledger connection (the pg client's internals changed?):"
                    + " a frozen PostgreSQL can hold calls until it answers again");
            return;
        }
        if (pipeline.get(NAME) == null) {
            pipeline.addAfter(VERTX_IDLE_HANDLER, NAME, new SilentServerCutoff());
        }
    }

    private static ChannelPipeline pipelineOf(SqlConnection connection) {
        if (!(connection instanceof SqlConnectionBase<?> base)) {
            return null;
        }
        Connection inner = base.unwrap();
        for (int depth = 0; depth < 4 && !(inner instanceof SocketConnectionBase) && inner != null; depth++) {
            Connection next = inner.unwrap();
            inner = next == inner ? null : next;
        }
        return inner instanceof SocketConnectionBase socket ? socket.socket().channelHandlerContext().pipeline() : null;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            LOG.warnf("PostgreSQL said nothing on a ledger connection for the silence timeout: closing it (%s)",
                    ctx.channel().remoteAddress());
            ctx.close(); // from here toward the socket, past the codec's graceful close
            return;
        }
        super.userEventTriggered(ctx, event);
    }
}
