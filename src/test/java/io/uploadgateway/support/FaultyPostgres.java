package io.uploadgateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fault-injecting TCP proxy between the gateway and PostgreSQL, for the frozen-database drill.
 * PostgreSQL's protocol is not looked at: bytes are copied both ways, and the {@link Mode mode}
 * decides whether they move.
 * <ul>
 *   <li>{@link Mode#FORWARD}: copy bytes both ways (held bytes go on, in order);</li>
 *   <li>{@link Mode#HANG}: a frozen server (SIGSTOP, a stuck network path, I/O stalled on a full
 *       disk). New connections are accepted, as the kernel accepts them for a stopped process, and
 *       on new and existing connections every byte is held, not forwarded, until the mode is
 *       {@code FORWARD} again: then the server "wakes up" and answers what it was sent (and sees
 *       the connections the gateway closed meanwhile end);</li>
 *   <li>{@link Mode#RESET}: every open connection is closed with a TCP RST, and so is every new one.</li>
 * </ul>
 * It counts the client connections open now (one the gateway closed counts no more, even while the
 * server hangs) and the most ever open at once, so a drill can check that the gateway's pool stays
 * within its budget while the server hangs.
 */
public final class FaultyPostgres implements AutoCloseable {

    public enum Mode { FORWARD, HANG, RESET }

    private final int upstreamPort;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "faulty-postgres");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<Pipe> pipes = ConcurrentHashMap.newKeySet();
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile Mode mode = Mode.FORWARD;

    private FaultyPostgres(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    }

    public static FaultyPostgres start(int upstreamPort) throws IOException {
        FaultyPostgres proxy = new FaultyPostgres(upstreamPort);
        proxy.threads.execute(proxy::acceptLoop);
        return proxy;
    }

    public int port() {
        return server.getLocalPort();
    }

    public FaultyPostgres mode(Mode next) {
        mode = next;
        if (next == Mode.RESET) {
            open.forEach(FaultyPostgres::reset);
        }
        if (next == Mode.FORWARD) {
            pipes.forEach(Pipe::deliver); // the server wakes up and answers what it was sent
        }
        return this;
    }

    /** Client connections open now. */
    public int openConnections() {
        return open.size();
    }

    /** The most client connections ever open at once. */
    public int peakConnections() {
        return peak.get();
    }

    /** Client connections accepted so far. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** Forgets the peak, e.g. before a phase whose own peak a drill checks. */
    public void resetPeak() {
        peak.set(open.size());
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                accepted.incrementAndGet();
                if (mode == Mode.RESET) {
                    reset(client);
                    continue;
                }
                open.add(client);
                peak.accumulateAndGet(open.size(), Math::max);
                threads.execute(() -> connect(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void connect(Socket client) {
        try {
            Socket upstream = new Socket();
            upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 5_000);
            upstream.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
            Pipe toServer = new Pipe(client, upstream);
            Pipe toClient = new Pipe(upstream, client);
            pipes.add(toServer);
            pipes.add(toClient);
            threads.execute(toServer::run);
            toClient.run();
        } catch (IOException e) {
            close(client);
        }
    }

    /**
     * One direction of a connection. It always reads, so that it sees the other side hang up
     * even while the server hangs, and holds what it read until the mode is FORWARD.
     */
    private final class Pipe {
        private final Socket from;
        private final Socket to;
        private final java.io.ByteArrayOutputStream held = new java.io.ByteArrayOutputStream();
        private boolean ended;

        Pipe(Socket from, Socket to) {
            this.from = from;
            this.to = to;
        }

        void run() {
            byte[] buffer = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                int read;
                while ((read = in.read(buffer)) != -1) {
                    synchronized (this) {
                        held.write(buffer, 0, read);
                    }
                    deliver();
                }
            } catch (IOException e) {
                // reset, or closed by the other pipe
            }
            open.remove(from);
            synchronized (this) {
                ended = true;
            }
            deliver();
        }

        /** Passes on what it holds, and the end once all is passed on, unless the server hangs. */
        synchronized void deliver() {
            if (mode != Mode.FORWARD) {
                return;
            }
            try {
                if (held.size() > 0) {
                    OutputStream out = to.getOutputStream();
                    held.writeTo(out);
                    out.flush();
                    held.reset();
                }
                if (ended) {
                    pipes.remove(this);
                    close(from);
                    close(to);
                }
            } catch (IOException e) {
                pipes.remove(this);
                close(from);
                close(to);
            }
        }
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0); // close() then sends RST
        } catch (IOException ignored) {
            // already closed
        }
        close(socket);
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        mode(Mode.FORWARD);
        server.close();
        open.forEach(FaultyPostgres::close);
        threads.shutdownNow();
    }
}
