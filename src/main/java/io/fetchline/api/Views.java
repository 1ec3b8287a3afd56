package io.fetchline.api;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fetchline.fetch.Urls;
import io.fetchline.job.Item;
import io.fetchline.job.ItemCounts;
import io.fetchline.job.ItemError;
import io.fetchline.job.Job;

/** The JSON shapes of API.md. URLs leave only masked; times are RFC 3339 UTC with milliseconds. */
final class Views {

    private static final DateTimeFormatter RFC_3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Views() {
    }

    record JobView(String id, String label, String state, String createdAt, String startedAt, String finishedAt,
            String directory, ItemCounts items, Bytes bytes, int priority, Long maxBytesPerSecond,
            Map<String, String> headers, Object webhook) {
    }

    record Bytes(long downloaded, Long expected) {
    }

    record ItemView(int index, String url, String state, String file, long bytes, Long size, String sha256,
            Integer httpStatus, int attempts, ItemError error, String startedAt, String finishedAt) {
    }

    record JobPage(int total, int offset, int limit, List<JobView> jobs) {
    }

    record ItemPage(int total, int offset, int limit, List<ItemView> items) {
    }

    static JobView of(Job job) {
        return new JobView(job.id().toString(), job.label(), job.state().name(), time(job.createdAt()),
                time(job.startedAt()), time(job.finishedAt()), job.directory(), job.items(),
                new Bytes(job.bytesDownloaded(), job.bytesExpected()), job.priority(), job.maxBytesPerSecond(),
                masked(job.headerNames()),
                // Submit refuses webhooks until they are built: no job has one.
                null);
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

    private static String time(Instant instant) {
        return instant == null ? null : RFC_3339.format(instant);
    }
}
