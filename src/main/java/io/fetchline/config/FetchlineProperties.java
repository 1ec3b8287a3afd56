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
        @DefaultValue Webhooks webhooks,
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

    /**
     * @param progressInterval how often the bytes of running items are written to the store, which is how fresh
     *     the byte counts of items and jobs are
     */
    public record Pipeline(
            @DefaultValue("16") int fetchers,
            @DefaultValue("2") int writers,
            @DefaultValue("1024") int fetchQueueCapacity,
            @DefaultValue("256") int writeQueueCapacity,
            @DefaultValue("256KB") DataSize chunkSize,
            @DefaultValue("200ms") Duration progressInterval) {

        public Pipeline {
            requirePositive("fetchline.pipeline.fetchers", fetchers);
            requirePositive("fetchline.pipeline.writers", writers);
            requirePositive("fetchline.pipeline.fetch-queue-capacity", fetchQueueCapacity);
            requirePositive("fetchline.pipeline.write-queue-capacity", writeQueueCapacity);
            requirePositive("fetchline.pipeline.chunk-size", chunkSize.toBytes());
            requirePositive("fetchline.pipeline.progress-interval", progressInterval.toMillis());
        }
    }

    /**
     * @param sslBundle the Spring SSL bundle ({@code spring.ssl.bundle.*}) whose trust material https origins are
     *     verified against, on top of the JVM's own certificate authorities; null for the JVM's alone
     * @param proxy {@code http://[user:password@]host:port}, the HTTP proxy every download goes through; null to
     *     read the {@code https_proxy}/{@code http_proxy} environment variables instead. It may hold a password:
     *     show it through {@code io.fetchline.fetch.OriginProxies}, which masks it, never as it is
     * @param noProxy host names, {@code .domain} suffixes, IP addresses and CIDRs reached directly; null to read
     *     {@code no_proxy} when the proxy comes from the environment
     * @param maxBytesPerSecond all downloads together, or null for no limit; at least 1KB
     * @param segments connections one file of at least {@code segmentMinSize} may be fetched over at once, within
     *     the per-host limit, from an origin that honours ranges; 1 to 16, 1 turns segmenting off
     * @param segmentMinSize the smallest file that is segmented
     */
    public record Fetch(
            @DefaultValue List<String> allowedNetworks,
            @DefaultValue("10s") Duration connectTimeout,
            @DefaultValue("30s") Duration readTimeout,
            @DefaultValue("5") int maxAttempts,
            @DefaultValue("1s") Duration retryBackoff,
            @DefaultValue("60s") Duration retryBackoffMax,
            @DefaultValue("10") int maxRedirects,
            DataSize maxFileSize,
            @DefaultValue("8") int perHostConnections,
            String sslBundle,
            String proxy,
            List<String> noProxy,
            DataSize maxBytesPerSecond,
            @DefaultValue("4") int segments,
            @DefaultValue("16MB") DataSize segmentMinSize) {

        /** The most segments one file is fetched in. */
        public static final int MAX_SEGMENTS = 16;

        public Fetch {
            requirePositive("fetchline.fetch.max-attempts", maxAttempts);
            requirePositive("fetchline.fetch.per-host-connections", perHostConnections);
            if (maxBytesPerSecond != null && maxBytesPerSecond.toBytes() < 1024) {
                throw new IllegalArgumentException("fetchline.fetch.max-bytes-per-second must be at least 1KB, was "
                        + maxBytesPerSecond);
            }
            if (segments < 1 || segments > MAX_SEGMENTS) {
                throw new IllegalArgumentException("fetchline.fetch.segments must be from 1 (one connection per file)"
                        + " to " + MAX_SEGMENTS + ", was " + segments);
            }
            requirePositive("fetchline.fetch.segment-min-size", segmentMinSize.toBytes());
        }
    }

    /** @param lease how long a node keeps the items it claimed unless it renews them */
    public record Cluster(@DefaultValue("30s") Duration lease) {

        public Cluster {
            requirePositive("fetchline.cluster.lease", lease.toMillis());
        }
    }

    /**
     * @param maxAttempts attempts of one delivery in all, the first included
     * @param retryDelays the wait after the first failed attempt, after the second, and so on, each ± 20 %; the last
     *     one repeats
     * @param timeout the longest wait for a receiver's connection, and then for its answer
     * @param senders deliveries attempted at once
     */
    public record Webhooks(@DefaultValue("8") int maxAttempts,
            @DefaultValue({"5s", "30s", "2m", "10m", "30m", "1h"}) List<Duration> retryDelays,
            @DefaultValue("10s") Duration timeout,
            @DefaultValue("4") int senders) {

        public Webhooks {
            requirePositive("fetchline.webhooks.max-attempts", maxAttempts);
            requirePositive("fetchline.webhooks.timeout", timeout.toMillis());
            requirePositive("fetchline.webhooks.senders", senders);
            if (retryDelays.isEmpty() || retryDelays.stream().anyMatch(delay -> delay.isNegative() || delay.isZero())) {
                throw new IllegalArgumentException("fetchline.webhooks.retry-delays must list positive durations, was "
                        + retryDelays);
            }
            retryDelays = List.copyOf(retryDelays);
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
