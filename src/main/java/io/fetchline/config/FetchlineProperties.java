package io.fetchline.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/** Every {@code fetchline.*} setting; defaults are those of API.md. */
@ConfigurationProperties("fetchline")
public record FetchlineProperties(
        @DefaultValue Storage storage,
        @DefaultValue Security security,
        @DefaultValue Jobs jobs,
        @DefaultValue Pipeline pipeline,
        @DefaultValue Fetch fetch,
        @DefaultValue Cluster cluster,
        @DefaultValue Events events) {

    /**
     * @param fsync force each file to disk before it is renamed into place, and its folder after, so that even a
     *     power cut cannot leave a file reported complete empty or short. Off by default, as in wget, curl and
     *     aria2: one fsync costs milliseconds, which caps small files at a few hundred a second (see README).
     * @param directIo write bulk chunks with O_DIRECT, past the page cache, where the file system allows it: a
     *     download service's files are rarely read again at once, and copying them through the cache cost the
     *     writers 4× the CPU of direct writes on the benchmark machine (see README).
     */
    public record Storage(@DefaultValue("./downloads") Path root, @DefaultValue("false") boolean fsync,
            @DefaultValue("true") boolean directIo) {
    }

    public record Security(@DefaultValue List<String> apiKeys) {
    }

    public record Jobs(@DefaultValue("100000") int maxItems, @DefaultValue("16MB") DataSize maxRequestSize) {
    }

    public record Pipeline(
            @DefaultValue("16") int fetchers,
            @DefaultValue("2") int writers,
            @DefaultValue("1024") int fetchQueueCapacity,
            @DefaultValue("256") int writeQueueCapacity,
            @DefaultValue("256KB") DataSize chunkSize) {

        public Pipeline {
            requirePositive("fetchline.pipeline.fetchers", fetchers);
            requirePositive("fetchline.pipeline.writers", writers);
            requirePositive("fetchline.pipeline.fetch-queue-capacity", fetchQueueCapacity);
            requirePositive("fetchline.pipeline.write-queue-capacity", writeQueueCapacity);
            requirePositive("fetchline.pipeline.chunk-size", chunkSize.toBytes());
        }
    }

    public record Fetch(
            @DefaultValue List<String> allowedNetworks,
            @DefaultValue("10s") Duration connectTimeout,
            @DefaultValue("30s") Duration readTimeout,
            @DefaultValue("5") int maxAttempts,
            @DefaultValue("1s") Duration retryBackoff,
            @DefaultValue("60s") Duration retryBackoffMax,
            @DefaultValue("10") int maxRedirects,
            DataSize maxFileSize,
            @DefaultValue("8") int perHostConnections) {

        public Fetch {
            requirePositive("fetchline.fetch.max-attempts", maxAttempts);
            requirePositive("fetchline.fetch.per-host-connections", perHostConnections);
        }
    }

    /** @param lease how long a node keeps the items it claimed unless it renews them */
    public record Cluster(@DefaultValue("30s") Duration lease) {

        public Cluster {
            requirePositive("fetchline.cluster.lease", lease.toMillis());
        }
    }

    /** @param keepAlive how long an event stream may stay silent before it gets a comment line */
    public record Events(@DefaultValue("15s") Duration keepAlive) {

        public Events {
            requirePositive("fetchline.events.keep-alive", keepAlive.toMillis());
        }
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
