package io.uploadgateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real Uppy for the browser tests: {@code @uppy/core} and {@code @uppy/aws-s3} (versions
 * pinned in {@code src/test/resources/uppy/package.json}) installed from npm into
 * {@code target/uppy-browser}, and bundled with esbuild into one script beside the test page. Nothing
 * of it is committed and nothing of it reaches the packaged app: {@link UppyTestPages} serves
 * {@link #SITE} to the test gateway only. Needs {@code npm} (Node 20) and the npm registry; a
 * second run reuses the installed modules.
 */
public final class UppyBundle {

    public static final Path HOME = Path.of("target", "uppy-browser").toAbsolutePath();
    public static final Path SITE = HOME.resolve("site");

    private UppyBundle() {
    }

    public static synchronized Path build() throws IOException, InterruptedException {
        Files.createDirectories(SITE);
        String packageJson = resource("package.json");
        Path installed = HOME.resolve("package.json");
        boolean fresh = !Files.exists(HOME.resolve("node_modules/@uppy/aws-s3/package.json"))
                || !Files.exists(installed) || !Files.readString(installed).equals(packageJson);
        Files.writeString(installed, packageJson);
        Files.writeString(HOME.resolve("entry.js"), resource("entry.js"));
        Files.writeString(SITE.resolve("index.html"), resource("index.html"));
        if (fresh) {
            run(List.of("npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock"), 300);
        }
        run(List.of("node", "node_modules/esbuild/bin/esbuild", "entry.js", "--bundle", "--format=iife",
                "--target=es2020", "--outfile=" + SITE.resolve("uppy-test.js")), 120);
        return SITE;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = UppyBundle.class.getResourceAsStream("/uppy/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource uppy/" + name);
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static void run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Path log = HOME.resolve("build.log");
        Process process = new ProcessBuilder(command).directory(HOME.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s; see " + log);
        }
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "): "
                    + Files.readString(log) + "\nThe Uppy browser tests need npm (Node 20) and the npm registry.");
        }
    }
}
