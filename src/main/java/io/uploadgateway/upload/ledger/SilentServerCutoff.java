package io.uploadgateway.upload.ledger;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.impl.Connection;
import io.vertx.sqlclient.impl.SocketConnectionBase;
import io.vertx.sqlclient.impl.SqlConnectionBase;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a PostgreSQL connection on which the server has said nothing for the silence timeout,
 * so that the call waiting on it fails (and answers 503) and the pool drops it.
 * <p>
 * The connection's own read-idle timeout would notice the silence, but on its own it closes
 * nothing: Vert.x answers it with a close, and the pg client's codec turns every close into a
 * graceful one — it sends Terminate, shuts down its output and waits for the server to close the
 * socket. A frozen server never does, so the connection stays open, its query pending and its
 * place in the pool taken. This handler sits between Vert.x's idle handler and that codec, keeps
 * its own timer ({@code gateway.ledger.silence-timeout}) and closes the channel itself, below the
 * codec: the channel goes inactive, the codec fails the query in flight with
 * {@code ClosedConnectionException}, and the pool forgets the connection. Vert.x's idle events
 * stop here.
 * <p>
 * Silence counts only while the gateway waits for an answer: from a request written until the
 * server's ReadyForQuery (the five bytes {@code 'Z', 0, 0, 0, 5} and a status, always the last
 * thing PostgreSQL sends before it waits for the next request). A connection resting in the pool
 * is left alone — the pool keeps it, and a frozen server is found the next time it is used —
 * so a busy gateway never reopens connections (each opening is a SCRAM handshake).
 * <p>
 * Written by hand because the pg client offers no client-side deadline; it reaches the channel
 * through the client's implementation classes, and {@code FrozenDatabaseDrillTest} fails if an
 * upgrade moves them.
 */
final class SilentServerCutoff extends ChannelDuplexHandler {

    private static final Logger LOG = Logger.getLogger(SilentServerCutoff.class);
    /** The name Vert.x gives the idle handler it adds for a read-idle timeout. */
    private static final String VERTX_IDLE_HANDLER = "idle";
    private static final String NAME = "gateway-silent-server-cutoff";

    private static final byte[] READY_FOR_QUERY = {'Z', 0, 0, 0, 5};

    private final long silenceNanos;
    /** A request was written and the server has not said ReadyForQuery since. */
    private boolean awaitingAnswer;
    /** When the server last sent anything, or the wait for an answer began, whichever is later. */
    private long heardOrAskedAt;
    private ScheduledFuture<?> check;
    /** The last six bytes the server sent (across reads). */
    private final byte[] tail = new byte[6];
    private int tailLength;

    private SilentServerCutoff(Duration silence) {
        this.silenceNanos = silence.toNanos();
    }

    /** Installs the cutoff on a connection the pool has just opened. */
    static void install(SqlConnection connection, Duration silence) {
        ChannelPipeline pipeline = pipelineOf(connection);
        if (pipeline == null || pipeline.get(VERTX_IDLE_HANDLER) == null) {
            LOG.warn("cannot install the silent-server cutoff on a ledger connection (the pg client's internals changed?):"
                    + " a frozen PostgreSQL can hold calls until it answers again");
            return;
        }
        if (pipeline.get(NAME) == null) {
            pipeline.addAfter(VERTX_IDLE_HANDLER, NAME, new SilentServerCutoff(silence));
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
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (!awaitingAnswer) {
            awaitingAnswer = true;
            heardOrAskedAt = System.nanoTime();
            if (check == null) {
                check = ctx.executor().schedule(() -> checkSilence(ctx), silenceNanos, TimeUnit.NANOSECONDS);
            }
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
            heardOrAskedAt = System.nanoTime();
            remember(bytes);
            awaitingAnswer = !endsWithReadyForQuery();
        }
        super.channelRead(ctx, msg);
    }

    /** On the channel's event loop: closes it when an answer is owed and the server was silent for the whole timeout. */
    private void checkSilence(ChannelHandlerContext ctx) {
        check = null;
        if (!awaitingAnswer || !ctx.channel().isActive()) {
            return;
        }
        long silent = System.nanoTime() - heardOrAskedAt;
        if (silent < silenceNanos) {
            check = ctx.executor().schedule(() -> checkSilence(ctx), silenceNanos - silent, TimeUnit.NANOSECONDS);
            return;
        }
        LOG.warnf("PostgreSQL said nothing on a ledger connection for the silence timeout: closing it (%s)",
                ctx.channel().remoteAddress());
        ctx.close(); // from here toward the socket, past the codec's graceful close
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
        super.channelInactive(ctx);
    }

    private void remember(ByteBuf bytes) {
        int count = Math.min(tail.length, bytes.readableBytes());
        int keep = Math.min(tailLength, tail.length - count);
        System.arraycopy(tail, tailLength - keep, tail, 0, keep);
        bytes.getBytes(bytes.writerIndex() - count, tail, keep, count);
        tailLength = keep + count;
    }

    private boolean endsWithReadyForQuery() {
        if (tailLength < tail.length) {
            return false;
        }
        for (int i = 0; i < READY_FOR_QUERY.length; i++) {
            if (tail[i] != READY_FOR_QUERY[i]) {
                return false;
            }
        }
        byte status = tail[5];
        return status == 'I' || status == 'T' || status == 'E';
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            // Vert.x's read-idle timer also fires on connections resting in the pool, and would close
            // them gracefully; the silence that matters is measured above, from the request on.
            return;
        }
        super.userEventTriggered(ctx, event);
    }
}
