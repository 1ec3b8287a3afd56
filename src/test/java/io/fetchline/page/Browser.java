package io.fetchline.page;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real headless Chromium driven by chromedriver, both Debian's ({@code apt-get install chromium chromium-driver}),
 * with a fresh profile, and a log of every request the page makes (the DevTools performance log). Nothing is
 * downloaded: the driver and the browser are named explicitly, so Selenium Manager stays out of it. Where they are
 * missing, a test that needs them is skipped with a loud message, or fails when the environment says {@code CI=true}.
 */
public final class Browser implements AutoCloseable {

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getenv().getOrDefault("CHROMEDRIVER",
            "/usr/bin/chromedriver"));
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ChromeDriver driver;
    private final Path profile;
    private final List<Request> requested = new ArrayList<>();

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    public static Browser start() {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            String message = "The browser tests need Chromium and chromedriver (" + CHROMIUM + ", " + CHROMEDRIVER
                    + "): install them with `apt-get install -y chromium chromium-driver`, or point the CHROMIUM and"
                    + " CHROMEDRIVER environment variables at them";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message);
            }
            System.err.println("\n!!!!! SKIPPED: " + message + " !!!!!\n");
            Assumptions.abort(message);
        }
        Path profile;
        try {
            profile = Files.createTempDirectory("fetchline-chromium-");
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1100,1150", "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(java.time.Duration.ofSeconds(60));
        return new Browser(driver, profile);
    }

    public ChromeDriver driver() {
        return driver;
    }

    public void open(String url) {
        driver.get(url);
    }

    public WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    public List<WebElement> findAll(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    public Object script(String script, Object... arguments) {
        return driver.executeScript(script, arguments);
    }

    /** One request the page made, as the browser sent it. */
    public record Request(URI url, JsonNode headers) {

        public String header(String name) {
            for (var field : headers.properties()) {
                if (field.getKey().equalsIgnoreCase(name)) {
                    return field.getValue().asString();
                }
            }
            return null;
        }
    }

    /** Every request the page made so far: documents, assets, API calls and event streams alike. */
    public List<Request> requests() {
        for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE)) {
            JsonNode message = JSON.readTree(entry.getMessage()).get("message");
            if ("Network.requestWillBeSent".equals(message.get("method").asString())) {
                JsonNode request = message.get("params").get("request");
                requested.add(new Request(URI.create(request.get("url").asString()), request.get("headers")));
            }
        }
        return List.copyOf(requested);
    }

    /**
     * The requests that went over the network: the browser's own pages ({@code chrome://}, the blank {@code data:}
     * page it starts with) never leave it.
     */
    public List<Request> networkRequests() {
        return requests().stream().filter(request -> !List.of("chrome", "data", "about", "blob")
                .contains(request.url().getScheme())).toList();
    }

    /** What the page logged to its console, for a failing test's report. */
    public List<String> console() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(entry -> entry.getLevel() + " " + entry.getMessage()).toList();
    }

    public void screenshot(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException ignored) {
                // A temp folder left behind.
            }
        }
    }
}
