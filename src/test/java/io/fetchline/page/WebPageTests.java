package io.fetchline.page;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import io.fetchline.FetchlineTest;
import tools.jackson.databind.JsonNode;

/**
 * The web page at {@code /} in a real headless Chromium (see {@link Browser}), against the real service: live progress
 * without a reload, the submit form, the job controls and settings, items by state, and no request to any other host.
 * The test of live progress leaves a screenshot in {@code target/fetchline-page.png}, and in
 * {@code docs/fetchline-page.png} when run with {@code -Dfetchline.docs.screenshot=true}.
 */
class WebPageTests extends FetchlineTest {

    private static final Duration SOON = Duration.ofSeconds(15);
    private static final Duration FINISHES = Duration.ofSeconds(60);

    private static Browser browser;

    @BeforeAll
    static void startBrowser() {
        browser = Browser.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void openPage() {
        browser.open("http://127.0.0.1:" + port + "/");
        await().atMost(SOON).until(() -> browser.find("#connection").getText().equals("Live"));
    }

    @AfterEach
    void noRequestLeftForAnotherHost() {
        assertThat(browser.networkRequests()).as("requests, with the page's console: %s", browser.console())
                .isNotEmpty().allSatisfy(request -> {
                    assertThat(request.url().getHost()).as(request.url().toString()).isEqualTo("127.0.0.1");
                    assertThat(request.url().getPort()).as(request.url().toString()).isEqualTo(port);
                });
    }

    @Test
    void aJobSubmittedThroughTheApiAppearsAndItsBarReachesFullWithoutAReload() throws Exception {
        origin.file("/page/failed-before.bin", 1000, 1);
        String earlier = api.submitJson("{\"label\": \"weekly reports\", \"urls\": [\""
                + origin.url("/page/failed-before.bin") + "\", \"" + origin.url("/page/missing.pdf") + "\"]}");
        api.awaitState(earlier, "FAILED", FINISHES);
        origin.file("/page/debian.iso", 900_000, 2);
        origin.route("/page/debian.iso").bytesPerSecond(200_000);
        origin.file("/page/checksums.txt", 2_000, 3);
        // Its failure shows on the screenshot.
        WebElement failed = await().atMost(SOON).until(() -> jobElement(earlier), element -> element != null);
        failed.findElement(By.cssSelector("details summary")).click();
        failed.findElement(By.cssSelector("select.filter option[value='FAILED']")).click();
        browser.script("document.activeElement.blur(); window.fetchlineMarker = 'the page as first loaded'");

        String id = api.submitJson("{\"label\": \"nightly mirror\", \"urls\": [\"" + origin.url("/page/debian.iso")
                + "\", \"" + origin.url("/page/checksums.txt") + "\"]}");

        WebElement job = await().atMost(SOON).until(() -> jobElement(id), element -> element != null);
        assertThat(job.findElement(By.cssSelector(".job-title")).getText()).isEqualTo("nightly mirror");
        Set<Integer> seen = ConcurrentHashMap.newKeySet();
        Path screenshot = Path.of("target", "fetchline-page.png");
        Files.deleteIfExists(screenshot);
        await().atMost(FINISHES).pollInterval(Duration.ofMillis(50)).until(() -> {
            int value = progress(job);
            seen.add(value);
            if (value >= 30 && value < 90 && !Files.exists(screenshot)) {
                browser.screenshot(screenshot);
            }
            return value == 100;
        });
        assertThat(seen).as("values the bar showed").anyMatch(value -> value > 0 && value < 100);
        await().atMost(SOON).until(() -> state(job).equals("Succeeded"));
        assertThat(job.findElement(By.cssSelector("progress")).getAttribute("max")).isEqualTo("100");
        assertThat(browser.script("return window.fetchlineMarker")).isEqualTo("the page as first loaded");
        assertThat(screenshot).exists();
        if (Boolean.getBoolean("fetchline.docs.screenshot")) {
            Files.copy(screenshot, Path.of("docs", "fetchline-page.png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void theFormCreatesAJob() {
        origin.file("/page/form/a.txt", 500, 4);
        origin.file("/page/form/b.txt", 700, 5);
        String urls = origin.url("/page/form/a.txt") + "\n" + origin.url("/page/form/b.txt");

        browser.find("#urls").sendKeys(urls);
        browser.find("#submit-form button[type=submit]").click();

        String plain = awaitAccepted();
        assertThat(api.job(plain).get("label").isNull()).isTrue();
        api.awaitState(plain, "SUCCEEDED", FINISHES);
        assertThat(api.items(plain, "").get("items")).extracting(item -> item.get("url").asString())
                .containsExactly(origin.url("/page/form/a.txt"), origin.url("/page/form/b.txt"));
        await().atMost(SOON).until(() -> jobElement(plain) != null && state(jobElement(plain)).equals("Succeeded"));
        assertThat(browser.find("#urls").getAttribute("value")).isEmpty();

        browser.find("#urls").sendKeys(urls);
        browser.find("#label").sendKeys("from the form");
        browser.find("#submit-form button[type=submit]").click();

        String labelled = awaitAccepted();
        assertThat(labelled).isNotEqualTo(plain);
        assertThat(api.job(labelled).get("label").asString()).isEqualTo("from the form");
        assertThat(api.job(labelled).get("items").get("total").asInt()).isEqualTo(2);
        await().atMost(SOON).until(() -> jobElement(labelled) != null
                && jobElement(labelled).findElement(By.cssSelector(".job-title")).getText().equals("from the form"));
    }

    /** Waits for the form to say its job was accepted, and returns the job's id: the newest job. */
    private String awaitAccepted() {
        await().atMost(SOON).until(() -> browser.find("#submit-result").getText().matches("Job .* accepted .*"));
        String id = api.get("/api/v1/jobs?limit=1").json().get("jobs").get(0).get("id").asString();
        await().atMost(SOON).until(() -> jobElement(id) != null);
        browser.script("document.querySelector('#submit-result').textContent = ''");
        return id;
    }

    @Test
    void pauseResumeAndCancelWorkFromThePage() {
        origin.file("/page/pause.bin", 3_000_000, 6);
        origin.route("/page/pause.bin").bytesPerSecond(150_000);
        String id = api.submit(List.of(origin.url("/page/pause.bin")));
        WebElement job = await().atMost(SOON).until(() -> jobElement(id), element -> element != null);
        await().atMost(SOON).until(() -> state(job).equals("Running"));

        button(job, "pause").click();

        await().atMost(SOON).until(() -> state(job).equals("Paused"));
        assertThat(api.job(id).get("state").asString()).isEqualTo("PAUSED");
        assertThat(button(job, "pause").isDisplayed()).isFalse();

        button(job, "resume").click();

        await().atMost(SOON).until(() -> List.of("Queued", "Running").contains(state(job)));
        assertThat(api.job(id).get("state").asString()).isIn("QUEUED", "RUNNING");

        button(job, "cancel").click();

        await().atMost(SOON).until(() -> state(job).equals("Cancelled"));
        assertThat(api.job(id).get("state").asString()).isEqualTo("CANCELLED");
        assertThat(button(job, "retry").isDisplayed()).isTrue();
    }

    @Test
    void priorityAndBandwidthAreSavedOnTheJob() {
        origin.file("/page/settings.bin", 1000, 7);
        String id = api.submitJson("{\"paused\": true, \"urls\": [\"" + origin.url("/page/settings.bin") + "\"]}");
        WebElement job = await().atMost(SOON).until(() -> jobElement(id), element -> element != null);
        WebElement priority = job.findElement(By.cssSelector("input.priority"));
        WebElement bandwidth = job.findElement(By.cssSelector("input.bandwidth"));
        priority.clear();
        priority.sendKeys("7");
        bandwidth.clear();
        bandwidth.sendKeys("64");

        job.findElement(By.cssSelector(".settings button[type=submit]")).click();

        await().atMost(SOON).until(() -> job.findElement(By.cssSelector(".message")).getText().equals("Saved."));
        JsonNode saved = api.job(id);
        assertThat(saved.get("priority").asInt()).isEqualTo(7);
        assertThat(saved.get("maxBytesPerSecond").asLong()).isEqualTo(64 * 1024);
        api.delete("/api/v1/jobs/" + id);
    }

    @Test
    void aJobsItemsAreFilteredByStateWithEachFailuresCodeAndMessage() {
        origin.file("/page/items/ok.bin", 1000, 8);
        String id = api.submit(List.of(origin.url("/page/items/ok.bin"), origin.url("/page/items/gone.bin"),
                origin.url("/page/items/also-gone.bin")));
        api.awaitState(id, "FAILED", FINISHES);
        WebElement job = await().atMost(SOON).until(() -> jobElement(id), element -> element != null);

        job.findElement(By.cssSelector("details summary")).click();
        job.findElement(By.cssSelector("select.filter option[value='FAILED']")).click();

        await().atMost(SOON).until(() -> rows(job).size() == 2 && rows(job).stream()
                .allMatch(row -> row.getAttribute("data-state").equals("FAILED")));
        for (WebElement row : rows(job)) {
            String error = row.findElement(By.cssSelector("td.error")).getText();
            assertThat(error).startsWith("HTTP_STATUS").contains("404");
        }
        job.findElement(By.cssSelector("select.filter option[value='SUCCEEDED']")).click();
        await().atMost(SOON).until(() -> rows(job).size() == 1
                && rows(job).get(0).findElement(By.cssSelector("td.name")).getText().equals("ok.bin"));
    }

    private static WebElement jobElement(String id) {
        List<WebElement> found = browser.findAll("li.job[data-id='" + id + "']");
        return found.isEmpty() ? null : found.get(0);
    }

    private static int progress(WebElement job) {
        return (int) Double.parseDouble(job.findElement(By.cssSelector("progress")).getDomProperty("value"));
    }

    private static String state(WebElement job) {
        return job.findElement(By.cssSelector(".state")).getText();
    }

    private static WebElement button(WebElement job, String action) {
        return job.findElement(By.cssSelector("button[data-action='" + action + "']"));
    }

    private static List<WebElement> rows(WebElement job) {
        return job.findElements(By.cssSelector("tbody tr"));
    }
}
