package io.uploadgateway.support;

import org.awaitility.Awaitility;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fault-injecting TCP proxy between the gateway and S3 (S3Proxy), for reliability drills.
 * <p>
 * Every accepted connection carries exactly one request: the proxy reads the request head,
 * replaces any {@code Connection} header with {@code Connection: close} (the AWS SDK does not
 * sign {@code Connection}: SigV4 ignores it, see {@link Seen#signedHeaders()}; the {@code Host}
 * header the client signed is forwarded unchanged, and S3Proxy checks the signature against it),
 * then decides what to do with the request:
 * <ul>
 *   <li>the first matching {@link #rule rule}, if any (e.g. answer {@code ?uploads} listings with
 *       a canned {@code 500 InternalError});</li>
 *   <li>otherwise the current {@link #mode mode}: {@link Action#FORWARD}, {@link Action#HANG}
 *       (read, never answer), {@link Action#RESET} (close with a TCP RST) or
 *       {@link Action#delay(Duration)} (then forward).</li>
 * </ul>
 * Forwarding copies raw bytes both ways until the upstream closes (it does, after one response,
 * because of {@code Connection: close}). One exception: an answer whose body S3Proxy ends by
 * closing the connection (no {@code Content-Length}, not chunked) gets a {@code Content-Length},
 * because the CRT HTTP client reads no body from such an answer (real S3 always frames its bodies). Every request is recorded with its S3 operation
 * ({@link #kind}), the {@code uploadId} it names, what the proxy did and the upstream status, so
 * drills can count, e.g., how many AbortMultipartUpload requests really reached S3 for an upload.
 * Presigned URLs point at the proxy as well (they carry the endpoint); in FORWARD mode they work.
 */
public final class FaultyS3 implements AutoCloseable {

    /** What the proxy does with one request. */
    public sealed interface Action {
        Action FORWARD = new Forward();
        Action HANG = new Hang();
        Action RESET = new Reset();

        static Action delay(Duration by) {
            return new Delay(by.toMillis());
        }

        /** Answers with an S3 error document, as S3 itself does (e.g. 500 InternalError, 503 SlowDown). */
        static Action error(int status, String code) {
            return new Respond(status, code);
        }

        /**
         * Answers {@code 200} with an ETag and no body, as a store does that took the request without
         * looking at what S3 would check (Scality CloudServer takes a part whose bytes do not match its
         * {@code x-amz-checksum-*}).
         */
        static Action ok() {
            return new Ok();
        }
    }

    record Ok() implements Action {
    }

    record Forward() implements Action {
    }

    record Hang() implements Action {
    }

    record Reset() implements Action {
    }

    record Delay(long millis) implements Action {
    }

    record Respond(int status, String code) implements Action {
    }

    /**
     * One request as the proxy saw it: {@code outcome} is {@code forwarded}, {@code hung}, {@code reset},
     * {@code answered <status>} (a rule's canned error) or {@code failed}; {@code upstreamStatus} is
     * S3's status when forwarded (0 until it answered).
     */
    public record Seen(Instant at, String method, String target, String kind, String uploadId, String signedHeaders,
                       String outcome, int upstreamStatus) {
    }

    /** Matches requests by S3 operation, optionally by the multipart upload they name. */
    public static Predicate<Seen> kind(String kind) {
        return seen -> seen.kind().equals(kind);
    }

    private static final Pattern SIGNED_HEADERS = Pattern.compile("SignedHeaders=([^,\\s]+)");
    private static final int MAX_HEAD = 64 * 1024;
    /** Request bodies up to this size are read before the action runs (a delayed request reaches S3 whole even if its client died). */
    private static final int BUFFER_BODY_UP_TO = 1024 * 1024;

    private final ServerSocket server;
    private final String upstreamHost;
    private final int upstreamPort;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "faulty-s3");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final List<AtomicReference<Seen>> seen = new CopyOnWriteArrayList<>();
    private volatile Action mode = Action.FORWARD;
    private volatile boolean closed;

    private record Rule(Predicate<Seen> when, Action action, AtomicInteger remaining) {
    }

    private FaultyS3(ServerSocket server, String upstreamHost, int upstreamPort) {
        this.server = server;
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
    }

    /** A proxy on a free loopback port in front of {@code upstream} (e.g. {@code http://127.0.0.1:9000}). */
    public static FaultyS3 start(String upstream) throws IOException {
        java.net.URI uri = java.net.URI.create(upstream);
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        FaultyS3 proxy = new FaultyS3(server, uri.getHost(), uri.getPort());
        proxy.threads.execute(proxy::acceptLoop);
        return proxy;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** What happens to requests no rule matches. */
    public FaultyS3 mode(Action action) {
        this.mode = action;
        return this;
    }

    /** Until removed, requests matching {@code when} get {@code action} (rules are tried in the order added). */
    public FaultyS3 rule(Predicate<Seen> when, Action action) {
        return rule(when, action, Integer.MAX_VALUE);
    }

    /** As {@link #rule(Predicate, Action)}, for the next {@code times} matching requests only. */
    public FaultyS3 rule(Predicate<Seen> when, Action action, int times) {
        rules.add(new Rule(when, action, new AtomicInteger(times)));
        return this;
    }

    public FaultyS3 clearRules() {
        rules.clear();
        return this;
    }

    /** FORWARD, no rules, nothing recorded: as started. */
    public FaultyS3 reset() {
        mode = Action.FORWARD;
        rules.clear();
        seen.clear();
        return this;
    }

    /** Every request seen so far, oldest first (outcomes of requests in flight may still change). */
    public List<Seen> requests() {
        return seen.stream().map(AtomicReference::get).toList();
    }

    /** Requests of this S3 operation seen so far. */
    public long count(String kind) {
        return requests().stream().filter(s -> s.kind().equals(kind)).count();
    }

    /** Requests of this S3 operation for this multipart upload that the proxy forwarded to S3. */
    public long forwarded(String kind, String uploadId) {
        return requests().stream()
                .filter(s -> s.kind().equals(kind) && uploadId.equals(s.uploadId()) && s.outcome().equals("forwarded"))
                .count();
    }

    /** Requests of this S3 operation that S3 answered (forwarded, and its status came back). */
    public long answeredByS3(String kind) {
        return requests().stream().filter(s -> s.kind().equals(kind) && s.upstreamStatus() > 0).count();
    }

    /** Waits until {@code condition} holds for the recorded requests, polling; fails after {@code timeout}. */
    public void await(String what, Predicate<List<Seen>> condition, Duration timeout) {
        try {
            Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> condition.test(requests()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("FaultyS3: " + what + " did not happen within " + timeout + "; seen: " + requests(), e);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket socket : open) {
            closeQuietly(socket);
        }
        threads.shutdownNow();
    }

    // ------------------------------------------------------------------ the proxy

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                open.add(client);
                threads.execute(() -> handle(client));
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("FaultyS3 accept failed: " + e);
                }
            }
        }
    }

    private void handle(Socket client) {
        AtomicReference<Seen> entry = null;
        try {
            InputStream in = client.getInputStream();
            ByteArrayOutputStream buffered = new ByteArrayOutputStream();
            int headEnd = readHead(in, buffered);
            if (headEnd < 0) {
                return; // the client closed without a request
            }
            byte[] bytes = buffered.toByteArray();
            String head = new String(bytes, 0, headEnd, StandardCharsets.ISO_8859_1);
            byte[] rest = java.util.Arrays.copyOfRange(bytes, headEnd + 4, bytes.length);
            String[] lines = head.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            String method = requestLine[0];
            String target = requestLine.length > 1 ? requestLine[1] : "/";
            Map<String, String> headers = new LinkedHashMap<>();
            StringBuilder rewritten = new StringBuilder(lines[0]).append("\r\n");
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                String name = colon < 0 ? lines[i] : lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
                headers.put(name, colon < 0 ? "" : lines[i].substring(colon + 1).trim());
                if (!name.equals("connection") && !name.equals("keep-alive") && !name.equals("proxy-connection")) {
                    rewritten.append(lines[i]).append("\r\n");
                }
            }
            rewritten.append("Connection: close\r\n\r\n");

            Map<String, String> query = query(target);
            Matcher signed = SIGNED_HEADERS.matcher(headers.getOrDefault("authorization", ""));
            String signedHeaders = signed.find() ? signed.group(1) : query.get("X-Amz-SignedHeaders");
            Seen request = new Seen(Instant.now(), method, target, kind(method, target, query), query.get("uploadId"),
                    signedHeaders, "received", 0);
            entry = record(request);

            long contentLength = parseLong(headers.get("content-length"));
            if (contentLength > rest.length && contentLength <= BUFFER_BODY_UP_TO && !"100-continue".equalsIgnoreCase(headers.get("expect"))) {
                rest = readMore(in, rest, (int) contentLength);
            }

            Action action = actionFor(request);
            if (action instanceof Hang) {
                update(entry, "hung", 0);
                drain(in); // until the client gives up (or the proxy closes)
            } else if (action instanceof Reset) {
                update(entry, "reset", 0);
                client.setSoLinger(true, 0);
            } else if (action instanceof Respond respond) {
                update(entry, "answered " + respond.status(), 0);
                String error = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + respond.code()
                        + "</Code><Message>injected by FaultyS3</Message><RequestId>faulty-s3</RequestId></Error>";
                respond(client, method, respond.status(), "Content-Type: application/xml\r\n", error);
            } else if (action instanceof Ok) {
                update(entry, "answered 200", 0);
                respond(client, method, 200, "ETag: \"00000000000000000000000000000000\"\r\n", "");
            } else {
                if (action instanceof Delay delay) {
                    Thread.sleep(delay.millis());
                }
                forward(client, in, method, rewritten.toString(), rest, entry);
            }
        } catch (IOException | InterruptedException e) {
            if (entry != null && entry.get().outcome().equals("received")) {
                update(entry, "failed", 0);
            }
        } finally {
            open.remove(client);
            closeQuietly(client);
        }
    }

    private Action actionFor(Seen request) {
        for (Rule rule : rules) {
            if (rule.when().test(request) && rule.remaining().getAndDecrement() > 0) {
                return rule.action();
            }
        }
        return mode;
    }

    private void forward(Socket client, InputStream fromClient, String method, String head, byte[] rest,
                         AtomicReference<Seen> entry) throws IOException {
        try (Socket upstream = new Socket()) {
            open.add(upstream);
            upstream.connect(new InetSocketAddress(upstreamHost, upstreamPort), 5_000);
            OutputStream toUpstream = upstream.getOutputStream();
            toUpstream.write(head.getBytes(StandardCharsets.ISO_8859_1));
            toUpstream.write(rest);
            toUpstream.flush();
            update(entry, "forwarded", 0);
            // The rest of the request body (if any), while the answer comes back.
            threads.execute(() -> {
                try {
                    fromClient.transferTo(toUpstream);
                } catch (IOException ignored) {
                    // either side closed: the exchange is over
                }
            });
            InputStream fromUpstream = upstream.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            int headEnd = readHead(fromUpstream, received);
            if (headEnd < 0) {
                update(entry, "forwarded", -1); // S3 closed without answering
                return;
            }
            byte[] got = received.toByteArray();
            String responseHead = new String(got, 0, headEnd, StandardCharsets.ISO_8859_1);
            int status = parseStatus(responseHead);
            update(entry, "forwarded", status);
            String lower = responseHead.toLowerCase(Locale.ROOT);
            boolean framed = lower.contains("\r\ncontent-length:") || lower.contains("\r\ntransfer-encoding:")
                    || method.equals("HEAD") || status < 200 || status == 204 || status == 304;
            OutputStream toClient = client.getOutputStream();
            if (framed) {
                relay(got, 0, got.length, toClient);
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = fromUpstream.read(buffer)) >= 0) {
                    relay(buffer, 0, n, toClient);
                }
            } else {
                // With Connection: close, S3Proxy (Jetty) ends a body of unknown length by closing the
                // connection. The CRT HTTP client reads no body from such a response (it needs a
                // Content-Length or chunked framing, which S3 always sends), so the proxy frames it.
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                body.write(got, headEnd + 4, got.length - headEnd - 4);
                fromUpstream.transferTo(body);
                byte[] framedHead = (responseHead + "\r\nContent-Length: " + body.size() + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1);
                relay(framedHead, 0, framedHead.length, toClient);
                relay(body.toByteArray(), 0, body.size(), toClient);
            }
        } finally {
            open.removeIf(Socket::isClosed);
        }
    }

    private static void respond(Socket client, String method, int status, String headers, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\n"
                + headers
                + "x-amz-request-id: faulty-s3\r\n"
                + "Date: " + java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)) + "\r\n"
                + "Content-Length: " + bytes.length + "\r\n"
                + "Connection: close\r\n\r\n";
        OutputStream out = client.getOutputStream();
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        if (!method.equals("HEAD")) {
            out.write(bytes);
        }
        out.flush();
        client.shutdownOutput();
        drain(client.getInputStream());
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            default -> "Error";
        };
    }

    /**
     * The S3 operation of a path-style request ({@code /bucket[/key]?query}): enough to tell the
     * calls the gateway makes apart.
     */
    static String kind(String method, String target, Map<String, String> query) {
        String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        boolean hasKey = trimmed.contains("/") && trimmed.indexOf('/') < trimmed.length() - 1;
        if (trimmed.isEmpty()) {
            return method.equals("GET") ? "ListBuckets" : method + " /";
        }
        if (method.equals("OPTIONS")) {
            return "Preflight";
        }
        if (!hasKey) {
            return switch (method) {
                case "HEAD" -> "HeadBucket";
                case "PUT" -> query.containsKey("cors") ? "PutBucketCors"
                        : query.containsKey("lifecycle") ? "PutBucketLifecycleConfiguration" : "CreateBucket";
                case "GET" -> query.containsKey("uploads") ? "ListMultipartUploads"
                        : query.containsKey("location") ? "GetBucketLocation"
                        : query.containsKey("lifecycle") ? "GetBucketLifecycleConfiguration" : "ListObjects";
                default -> method + " bucket";
            };
        }
        return switch (method) {
            case "POST" -> query.containsKey("uploads") ? "CreateMultipartUpload"
                    : query.containsKey("uploadId") ? "CompleteMultipartUpload" : "PostObject";
            case "PUT" -> query.containsKey("uploadId") ? "UploadPart" : "PutObject";
            case "GET" -> query.containsKey("uploadId") ? "ListParts" : "GetObject";
            case "DELETE" -> query.containsKey("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
            case "HEAD" -> "HeadObject";
            default -> method + " object";
        };
    }

    static Map<String, String> query(String target) {
        Map<String, String> query = new LinkedHashMap<>();
        int q = target.indexOf('?');
        if (q < 0) {
            return query;
        }
        for (String pair : target.substring(q + 1).split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.put(name, value);
        }
        return query;
    }

    private AtomicReference<Seen> record(Seen request) {
        AtomicReference<Seen> entry = new AtomicReference<>(request);
        seen.add(entry);
        return entry;
    }

    private static void update(AtomicReference<Seen> entry, String outcome, int upstreamStatus) {
        entry.updateAndGet(old -> new Seen(old.at(), old.method(), old.target(), old.kind(), old.uploadId(), old.signedHeaders(),
                outcome, upstreamStatus));
    }

    /** Reads until the end of the request head; returns the index of its {@code \r\n\r\n}, or -1 at EOF. */
    private static int readHead(InputStream in, ByteArrayOutputStream into) throws IOException {
        byte[] buffer = new byte[8192];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            into.write(buffer, 0, n);
            byte[] bytes = into.toByteArray();
            for (int i = Math.max(0, bytes.length - n - 3); i + 3 < bytes.length; i++) {
                if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
                    return i;
                }
            }
            if (bytes.length > MAX_HEAD) {
                throw new IOException("request head too large");
            }
        }
        return -1;
    }

    private static byte[] readMore(InputStream in, byte[] have, int total) throws IOException {
        byte[] body = java.util.Arrays.copyOf(have, total);
        int at = have.length;
        while (at < total) {
            int n = in.read(body, at, total - at);
            if (n < 0) {
                return java.util.Arrays.copyOf(body, at);
            }
            at += n;
        }
        return body;
    }

    private static void drain(InputStream in) {
        byte[] buffer = new byte[8192];
        try {
            while (in.read(buffer) >= 0) {
                // discard
            }
        } catch (IOException ignored) {
            // closed
        }
    }

    private static int parseStatus(String responseHead) {
        try {
            return Integer.parseInt(responseHead.substring(9, 12));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Writes to the client; a client that went away (killed, timed out) does not stop S3's answer from counting. */
    private static void relay(byte[] bytes, int offset, int length, OutputStream toClient) {
        try {
            toClient.write(bytes, offset, length);
            toClient.flush();
        } catch (IOException e) {
            // the client is gone
        }
    }

    private static long parseLong(String value) {
        try {
            return value == null ? -1 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
