package io.uploadgateway.support;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Debian's headless chromium driven through its own chromedriver. Both paths are given to
 * Selenium explicitly, so Selenium Manager never tries to download a browser or a driver.
 * A machine without them fails the browser tests (it does not skip them): {@code .ci/run}
 * installs {@code chromium} and {@code chromium-driver}.
 */
public final class Chromium implements AutoCloseable {

    public static final Path BINARY = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    public static final Path DRIVER = Path.of(System.getProperty("chromium.driver", "/usr/bin/chromedriver"));

    private final ChromeDriver driver;
    private final Path profile;

    private Chromium(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    public static Chromium start() {
        if (!Files.isExecutable(BINARY) || !Files.isExecutable(DRIVER)) {
            throw new AssertionError("The browser tests need chromium at " + BINARY + " and chromedriver at " + DRIVER
                    + " (Debian: apt-get install -y chromium chromium-driver; .ci/run does it). "
                    + "Other paths: -Dchromium.binary=... -Dchromium.driver=...");
        }
        System.setProperty("webdriver.chrome.driver", DRIVER.toString());
        try {
            Path profile = Files.createTempDirectory("uploader-chromium-profile");
            ChromeOptions options = new ChromeOptions();
            options.setBinary(BINARY.toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--no-default-browser-check", "--window-size=1280,900",
                    "--user-data-dir=" + profile);
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(DRIVER.toFile())
                    .usingAnyFreePort()
                    .build();
            return new Chromium(new ChromeDriver(service, options), profile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ChromeDriver driver() {
        return driver;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> paths = Files.walk(profile)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp directory left behind is harmless
            }
        }
    }
}
