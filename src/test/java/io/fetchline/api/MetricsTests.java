package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineTest;

class MetricsTests extends FetchlineTest {

    @Test
    void prometheusScrapeHasEveryMetricOfTheContract() {
        origin.file("/metrics/a.bin", 4096, 1);
        String id = api.submit(List.of(origin.url("/metrics/a.bin"), origin.url("/metrics/missing")));
        api.awaitState(id, "FAILED", Duration.ofSeconds(30));

        String scrape = api.get("/actuator/prometheus").body();

        assertThat(scrape).contains(
                "fetchline_queue_depth{queue=\"fetch\"}", "fetchline_queue_depth{queue=\"write\"}",
                "fetchline_queue_capacity{queue=\"fetch\"} 1024", "fetchline_queue_capacity{queue=\"write\"} 256",
                "fetchline_workers_active{pool=\"fetcher\"}", "fetchline_workers_active{pool=\"writer\"}",
                "fetchline_workers_max{pool=\"fetcher\"} 16", "fetchline_workers_max{pool=\"writer\"} 2",
                "fetchline_items_total{outcome=\"succeeded\"}", "fetchline_items_total{outcome=\"failed\"}",
                "fetchline_items_total{outcome=\"cancelled\"}", "fetchline_download_bytes_total",
                "fetchline_jobs_active", "fetchline_fetch_seconds_bucket{outcome=\"succeeded\"",
                "fetchline_fetch_seconds_count{outcome=\"failed\"}", "fetchline_fetch_seconds_sum{outcome=",
                "executor_pool_max_threads{name=\"fetcher\"}", "fetchline_events_subscribers");
        assertThat(scrape).containsPattern("(?m)^# TYPE fetchline_items_total counter$");
        assertThat(scrape).containsPattern("(?m)^# TYPE fetchline_fetch_seconds histogram$");
        assertThat(scrape).containsPattern("(?m)^# TYPE fetchline_queue_depth gauge$");
        assertThat(api.metric("fetchline_download_bytes_total")).isGreaterThanOrEqualTo(4096);
        assertThat(api.metric("fetchline_items_total{outcome=\"failed\"}")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void requestsAreTimedWholeNotFilterByFilter() {
        api.get("/api/v1/jobs");

        String scrape = api.get("/actuator/prometheus").body();

        assertThat(scrape).contains("http_server_requests_seconds_count{");
        assertThat(scrape).doesNotContain("spring_security_");
    }

    @Test
    void healthIsUpWithStorageAndDatabase() {
        var health = api.get("/actuator/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"db\"").contains("\"storage\"");
    }
}
