package io.fetchline.api;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import io.fetchline.fetch.Urls;
import io.fetchline.job.Item;
import io.fetchline.job.ItemCounts;
import io.fetchline.job.ItemError;
import io.fetchline.job.Job;

/**
 * The JSON shapes of API.md. URLs leave only masked; times are RFC 3339 UTC with milliseconds. Every field is always
 * written; {@link Nullable} marks those that are null when not known (the OpenAPI description says so too).
 */
final class Views {

    private static final DateTimeFormatter RFC_3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Views() {
    }

    record JobView(String id, @Nullable String label, String state, String createdAt, @Nullable String startedAt,
            @Nullable String finishedAt, String directory, ItemCounts items, Bytes bytes, int priority,
            @Nullable Long maxBytesPerSecond, Map<String, String> headers, @Nullable WebhookView webhook) {
    }

    /** A job's webhook: never its secret. */
    record WebhookView(String url, @Nullable String state, int attempts) {
    }

    record Bytes(long downloaded, @Nullable Long expected) {
    }

    record ItemView(int index, String url, String state, @Nullable String file, long bytes, @Nullable Long size,
            @Nullable String sha256, @Nullable Integer httpStatus, int attempts, @Nullable ItemError error,
            @Nullable String startedAt, @Nullable String finishedAt) {
    }

    record JobPage(int total, int offset, int limit, List<JobView> jobs) {
    }

    record ItemPage(int total, int offset, int limit, List<ItemView> items) {
    }

    static JobView of(Job job) {
        return new JobView(job.id().toString(), job.label(), job.state().name(), time(job.createdAt()),
                time(job.startedAt()), time(job.finishedAt()), job.directory(), job.items(),
                new Bytes(job.bytesDownloaded(), job.bytesExpected()), job.priority(), job.maxBytesPerSecond(),
                masked(job.headerNames()), of(job.webhook()));
    }

    private static WebhookView of(Job.WebhookStatus webhook) {
        return webhook == null ? null : new WebhookView(Urls.masked(webhook.url()),
                webhook.state() == null ? null : webhook.state().name(), webhook.attempts());
    }

    static ItemView of(Item item) {
        return new ItemView(item.index(), Urls.masked(item.url()), item.state().name(), item.file(), item.bytes(),
                item.size(), item.sha256(), item.httpStatus(), item.attempts(), item.error(), time(item.startedAt()),
                time(item.finishedAt()));
    }

    /** Header names with every value hidden: the values are often credentials, and never leave the service. */
    private static Map<String, String> masked(List<String> headerNames) {
        Map<String, String> masked = new LinkedHashMap<>();
        headerNames.forEach(name -> masked.put(name, "***"));
        return masked;
    }

    static String time(Instant instant) {
        return instant == null ? null : RFC_3339.format(instant);
    }
}
