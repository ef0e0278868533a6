package io.uploadgateway.outbound;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ClamAV daemon over its TCP socket, on Vert.x's non-blocking client: {@code zPING} and
 * {@code zINSTREAM}. Written by hand because the protocol is three lines (a command, chunks each
 * prefixed by their length as four big-endian bytes, a zero-length chunk; one answer ending in
 * NUL) and the Java clients on Maven Central block a thread per scan. A scan holds at most two
 * chunks: the one being written and the next being read, asked for once the one before it was
 * handed to the socket.
 */
public final class Clamd {

    /** What clamd said about a stream. */
    public enum Finding {
        /** {@code stream: OK} */
        CLEAN,
        /** {@code stream: <signature> FOUND}: the detail is the signature's name. */
        INFECTED,
        /** {@code INSTREAM size limit exceeded}: the stream passed clamd's {@code StreamMaxLength}. */
        TOO_LARGE
    }

    public record Verdict(Finding finding, String detail) {
    }

    /** clamd could not be reached, did not answer in time, or answered something a scan cannot use: try again later. */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final Pattern FOUND = Pattern.compile("^(?:stream: )?(.+) FOUND$");
    private static final Pattern ADDRESS = Pattern.compile("^(\\[[0-9a-fA-F:]+]|[^:\\s]+):(\\d{1,5})$");

    private static final long ANSWER_GRACE_MILLIS = 500;

    private final Vertx vertx;
    private final String host;
    private final int port;
    private final Duration callTimeout;
    private final NetClient client;

    /** A client of clamd at {@code address} ({@code host:port}); every read and write is bounded by {@code callTimeout}. */
    public Clamd(Vertx vertx, String address, Duration callTimeout) {
        String problem = addressProblem(address);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        Matcher m = ADDRESS.matcher(address.strip());
        m.matches();
        this.vertx = vertx;
        this.host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
        this.port = Integer.parseInt(m.group(2));
        this.callTimeout = callTimeout;
        int millis = (int) Math.max(1, callTimeout.toMillis());
        this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(millis)
                .setIdleTimeout(millis).setIdleTimeoutUnit(TimeUnit.MILLISECONDS));
    }

    /** Null when {@code address} is a {@code host:port} clamd can listen on, else what is wrong with it. */
    public static String addressProblem(String address) {
        Matcher m = address == null ? null : ADDRESS.matcher(address.strip());
        if (m == null || !m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
            return "must be host:port (clamd's TCPAddr and TCPSocket), got '" + address + "'";
        }
        return null;
    }

    /** {@code host:port}, for logs. */
    public String address() {
        return host + ":" + port;
    }

    /** {@code zPING}: answers when clamd said PONG. */
    public Uni<Void> ping() {
        return exchange(socket -> socket.write(Buffer.buffer("zPING\0")), callTimeout).invoke(answer -> {
            if (!answer.equals("PONG")) {
                throw new Unavailable("clamd at " + address() + " answered '" + answer + "' to PING", null);
            }
        }).replaceWithVoid();
    }

    /**
     * Scans {@code size} bytes that {@code chunks} hands over from an offset ({@code zINSTREAM}),
     * within {@code deadline}. Fails with {@link Unavailable} when clamd cannot give a verdict.
     */
    public Uni<Verdict> scan(long size, Duration deadline, Function<Long, Uni<byte[]>> chunks) {
        return exchange(socket -> {
                    Future<byte[]> first = size > 0 ? read(chunks, 0) : null;
                    Promise<Void> sent = Promise.promise();
                    socket.write(Buffer.buffer("zINSTREAM\0")).onComplete(command -> {
                        if (command.failed()) {
                            sent.tryFail(command.cause());
                        } else {
                            stream(socket, 0, size, chunks, first, sent);
                        }
                    });
                    return sent.future();
                },
                deadline)
                .map(Clamd::verdict);
    }

    static Verdict verdict(String answer) {
        if (answer.equals("stream: OK")) {
            return new Verdict(Finding.CLEAN, null);
        }
        Matcher found = FOUND.matcher(answer);
        if (found.matches()) {
            return new Verdict(Finding.INFECTED, found.group(1));
        }
        if (answer.contains("size limit exceeded")) {
            return new Verdict(Finding.TOO_LARGE, answer);
        }
        throw new Unavailable("clamd could not scan the stream: " + answer, null);
    }

    /**
     * Sends the chunks from {@code offset}, {@code current} being read, then the stream's end, and
     * completes {@code sent}. While a chunk is written the next one is read, so neither clamd nor
     * the store waits for the other; the one after that is asked for only once the socket took the
     * chunk and its write queue has room again ({@code drainHandler}): a scan holds at most two
     * chunks however large the object and however slow clamd. Each step only schedules the next, on
     * the event loop as a task of its own (no chain of futures, no recursion when a write completes
     * at once), so nothing keeps a chunk once it was written and the stack stays flat.
     */
    private void stream(NetSocket socket, long offset, long size, Function<Long, Uni<byte[]>> chunks, Future<byte[]> current,
                        Promise<Void> sent) {
        if (offset >= size) {
            socket.write(Buffer.buffer(new byte[4])).onComplete(sent); // the zero-length chunk: the stream's end
            return;
        }
        current.onComplete(read -> {
            if (read.failed()) {
                sent.tryFail(read.cause());
                return;
            }
            byte[] bytes = read.result();
            if (bytes.length == 0) {
                sent.tryFail(new IllegalStateException("the object ended at " + offset + " of " + size + " bytes"));
                return;
            }
            long next = offset + bytes.length;
            Future<byte[]> ahead = next < size ? read(chunks, next) : null;
            socket.write(Buffer.buffer(4).appendInt(bytes.length));
            socket.write(Buffer.buffer(bytes)).onComplete(written -> {
                if (written.failed()) {
                    sent.tryFail(written.cause());
                } else if (socket.writeQueueFull()) {
                    socket.drainHandler(drained -> {
                        socket.drainHandler(null);
                        vertx.runOnContext(ignored -> stream(socket, next, size, chunks, ahead, sent));
                    });
                } else {
                    vertx.runOnContext(ignored -> stream(socket, next, size, chunks, ahead, sent));
                }
            });
        });
    }

    private static Future<byte[]> read(Function<Long, Uni<byte[]>> chunks, long offset) {
        Promise<byte[]> chunk = Promise.promise();
        chunks.apply(offset).subscribe().with(chunk::complete, chunk::fail);
        return chunk.future();
    }

    /**
     * One connection: {@code send} writes the command (and its stream), the answer is read up to its
     * NUL. An answer clamd sends before the stream ended (its size limit) wins over the failed writes.
     */
    private Uni<String> exchange(Function<NetSocket, Future<Void>> send, Duration deadline) {
        return Uni.createFrom().<String>emitter(emitter -> {
            Buffer answer = Buffer.buffer();
            Promise<String> done = Promise.promise();
            AtomicReference<NetSocket> open = new AtomicReference<>();
            AtomicBoolean over = new AtomicBoolean();
            emitter.onTermination(() -> {
                over.set(true);
                NetSocket socket = open.get();
                if (socket != null) {
                    socket.close();
                }
            });
            client.connect(port, host).onComplete(connected -> {
                if (connected.failed()) {
                    done.tryFail(new Unavailable("clamd at " + address() + " is unreachable: " + connected.cause().getMessage(),
                            connected.cause()));
                    return;
                }
                NetSocket socket = connected.result();
                open.set(socket);
                if (over.get()) {
                    socket.close();
                    return;
                }
                socket.handler(data -> {
                    answer.appendBuffer(data);
                    int end = indexOfNul(answer);
                    if (end >= 0) {
                        done.tryComplete(answer.getString(0, end, StandardCharsets.UTF_8.name()).strip());
                        socket.close();
                    }
                });
                AtomicReference<Throwable> writeFailed = new AtomicReference<>();
                // clamd answers and closes before the stream ended when it refuses it (its size
                // limit): the writes then fail, and the answer read before the close settles it.
                socket.closeHandler(closed -> settleOnClose(done, answer, writeFailed.get()));
                socket.exceptionHandler(failure -> writeFailed.compareAndSet(null, failure));
                send.apply(socket).onFailure(failure -> {
                    writeFailed.compareAndSet(null, failure);
                    // A stream that failed on this side (storage did not answer) ends the connection
                    // too; a moment later, so an answer clamd already sent is read first.
                    vertx.setTimer(ANSWER_GRACE_MILLIS, ignored -> socket.close());
                });
            });
            done.future().onComplete(result -> {
                if (result.succeeded()) {
                    emitter.complete(result.result());
                } else {
                    emitter.fail(result.cause());
                }
            });
        }).ifNoItem().after(deadline).failWith(() -> new Unavailable("clamd at " + address() + " gave no answer within "
                + deadline.toSeconds() + " s", null));
    }

    private void settleOnClose(Promise<String> done, Buffer answer, Throwable writeFailed) {
        if (answer.length() > 0) {
            done.tryComplete(answer.toString(StandardCharsets.UTF_8).replace("\0", "").strip());
        } else {
            // Mid-stream, most likely clamd's StreamMaxLength (it then resets the connection, and its
            // answer is lost with it): gateway.scan.max-size must not exceed it. Never a verdict.
            done.tryFail(new Unavailable("clamd at " + address() + " closed the connection without an answer"
                    + (writeFailed == null ? "" : " while the stream was sent (" + writeFailed.getMessage()
                    + "; is GATEWAY_SCAN_MAX_SIZE above clamd's StreamMaxLength?)"), writeFailed));
        }
    }

    private static int indexOfNul(Buffer buffer) {
        for (int i = 0; i < buffer.length(); i++) {
            if (buffer.getByte(i) == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Closes the connections (at shutdown). */
    public void close() {
        client.close();
    }
}
