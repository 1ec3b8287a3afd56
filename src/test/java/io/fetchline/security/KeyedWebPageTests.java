package io.fetchline.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fetchline.page.Browser;
import io.fetchline.page.Browser.Request;

/**
 * The web page with API keys configured, in a real headless Chromium: it loads without a key, asks for one, then
 * works with it, sending it only as {@code Authorization: Bearer} and keeping it only in the tab's memory: never in a
 * URL, a cookie or the browser's storage, and no request goes to another host.
 */
class KeyedWebPageTests extends KeyedFetchlineTest {

    private static final Duration SOON = Duration.ofSeconds(15);

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

    @Test
    void thePageAsksForTheKeyAndNeverPutsItInAUrl() {
        origin.file("/keyed-page/a.bin", 1000, 1);
        String id = api.submitJson("{\"label\": \"keyed job\", \"urls\": [\"" + origin.url("/keyed-page/a.bin")
                + "\"]}");

        browser.open("http://127.0.0.1:" + port + "/");

        await().atMost(SOON).until(() -> browser.find("#key-section").isDisplayed());
        assertThat(browser.find("#key-message").getText()).contains("needs an API key");
        assertThat(browser.findAll("li.job")).isEmpty();
        browser.find("#key").sendKeys("not-the-key");
        browser.find("#key-form button").click();
        await().atMost(SOON).until(() -> browser.find("#key-message").getText().contains("refused"));

        browser.find("#key").sendKeys(KEY);
        browser.find("#key-form button").click();

        await().atMost(SOON).until(() -> !browser.findAll("li.job[data-id='" + id + "']").isEmpty());
        await().atMost(SOON).until(() -> browser.find("#connection").getText().equals("Live"));
        assertThat(browser.find("#key-section").isDisplayed()).isFalse();
        browser.find("#urls").sendKeys(origin.url("/keyed-page/a.bin"));
        browser.find("#submit-form button[type=submit]").click();
        await().atMost(SOON).until(() -> browser.find("#submit-result").getText().matches("Job .* accepted .*"));
        assertThat(api.get("/api/v1/jobs").json().get("total").asInt()).isGreaterThanOrEqualTo(2);
        // Kept nowhere but in the page's memory.
        assertThat(browser.script("return localStorage.length + sessionStorage.length")).isEqualTo(0L);
        assertThat(browser.script("return document.cookie")).isEqualTo("");
        assertThat(browser.driver().manage().getCookies()).isEmpty();

        browser.open("http://127.0.0.1:" + port + "/");

        await().atMost(SOON).until(() -> browser.find("#key-section").isDisplayed());
        List<Request> requests = browser.networkRequests();
        String encoded = URLEncoder.encode(KEY, StandardCharsets.UTF_8);
        assertThat(requests).isNotEmpty().allSatisfy(request -> {
            assertThat(request.url().toString()).doesNotContain(KEY).doesNotContain(encoded);
            assertThat(request.url().getHost()).as(request.url().toString()).isEqualTo("127.0.0.1");
            assertThat(request.url().getPort()).as(request.url().toString()).isEqualTo(port);
        });
        // The key did go out, the one way it should.
        assertThat(requests).filteredOn(request -> request.url().getPath().startsWith("/api/"))
                .anyMatch(request -> ("Bearer " + KEY).equals(request.header("Authorization")))
                .anyMatch(request -> request.url().getPath().equals("/api/v1/events")
                        && ("Bearer " + KEY).equals(request.header("Authorization")));
    }
}
