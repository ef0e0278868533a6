package io.uploadgateway.bench;

import io.uploadgateway.embedded.EmbeddedStack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The PostgreSQL + S3Proxy of {@code bench/http.sh}: starts the embedded stack (in-memory S3,
 * a throw-away PostgreSQL), writes its coordinates as a shell file of {@code export} lines to
 * the path given as the first argument, and runs until the process is stopped (SIGTERM stops
 * both servers and deletes their data).
 */
public final class BenchStack {

    private BenchStack() {
    }

    public static void main(String[] args) throws Exception {
        BenchLogging.infoAndAbove();
        if (args.length != 1) {
            System.err.println("usage: BenchStack ENV_FILE");
            System.exit(2);
        }
        EmbeddedStack stack = EmbeddedStack.start(null);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stack.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "bench-stack-stop"));
        String env = String.join("\n",
                "export BENCH_PG_PORT=" + stack.postgresPort(),
                "export BENCH_S3_ENDPOINT=" + stack.s3Endpoint(),
                "export BENCH_S3_ACCESS_KEY=" + EmbeddedStack.ACCESS_KEY,
                "export BENCH_S3_SECRET_KEY=" + EmbeddedStack.SECRET_KEY,
                "export BENCH_S3_REGION=" + EmbeddedStack.REGION,
                "");
        Path file = Path.of(args[0]);
        Path partial = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(partial, env);
        Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.println("bench stack ready: " + stack.s3Endpoint() + ", PostgreSQL on port " + stack.postgresPort());
        new CountDownLatch(1).await();
    }
}
