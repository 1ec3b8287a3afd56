package io.fetchline.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import io.fetchline.FetchlineTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every series the Grafana dashboard and the alert rules in docs/ query is one the service exports, with the label
 * values they select: a renamed metric or a typo in a query would leave a panel empty or an alert forever silent.
 */
class OperationsKitMetricsTests extends FetchlineTest {

    static final Path DASHBOARD = Path.of("docs/grafana/fetchline-dashboard.json");
    static final Path ALERTS = Path.of("docs/prometheus/fetchline-alerts.yml");

    private static final Pattern NAME = Pattern.compile("\\bfetchline_\\w+");
    private static final Pattern SELECTOR = Pattern.compile("\\b(fetchline_\\w+)\\s*\\{([^}]*)}");
    private static final Pattern EQUALS = Pattern.compile("(\\w+)\\s*=\\s*\"([^\"]*)\"");
    /** Labels Prometheus adds when it scrapes; the service does not write them. */
    private static final Set<String> TARGET_LABELS = Set.of("job", "instance");

    @Test
    void everyMetricTheDashboardAndTheAlertsQueryIsExported() throws IOException {
        origin.file("/kit/a.bin", 3000, 2);
        String id = api.submit(List.of(origin.url("/kit/a.bin"), origin.url("/kit/missing")));
        api.awaitState(id, "FAILED", Duration.ofSeconds(30));
        Scrape scrape = Scrape.parse(api.get("/actuator/prometheus").body());

        List<String> queries = new ArrayList<>(dashboardQueries());
        queries.addAll(alertQueries());
        Set<String> names = new TreeSet<>();
        queries.forEach(query -> NAME.matcher(query).results().map(match -> match.group()).forEach(names::add));

        assertThat(names).as("metrics the kit queries").contains("fetchline_queue_depth", "fetchline_workers_active",
                "fetchline_download_bytes_total", "fetchline_items_total", "fetchline_fetch_seconds_bucket",
                "fetchline_jobs_active", "fetchline_jobs_paused", "fetchline_storage_writable");
        for (String name : names) {
            assertThat(scrape.samples).as("the scrape has " + name).containsKey(name);
            assertThat(scrape.typeOf(name)).as("the type of " + name).isEqualTo(expectedType(name, scrape));
        }
        for (String query : queries) {
            Matcher selector = SELECTOR.matcher(query);
            while (selector.find()) {
                String name = selector.group(1);
                Matcher matcher = EQUALS.matcher(selector.group(2));
                while (matcher.find()) {
                    if (!TARGET_LABELS.contains(matcher.group(1))) {
                        assertThat(scrape.labelValues(name, matcher.group(1)))
                                .as(name + " has " + matcher.group(1) + "=\"" + matcher.group(2) + "\" (" + query + ")")
                                .contains(matcher.group(2));
                    }
                }
            }
        }
    }

    /** A suffix names a part of a family: {@code _bucket} is a histogram's, {@code _total} a counter's. */
    private static String expectedType(String name, Scrape scrape) {
        if (name.endsWith("_bucket")) {
            return "histogram";
        }
        if (name.endsWith("_total")) {
            return "counter";
        }
        if (name.endsWith("_count") || name.endsWith("_sum")) {
            String family = name.substring(0, name.lastIndexOf('_'));
            return scrape.types.getOrDefault(family, "summary").equals("histogram") ? "histogram" : "summary";
        }
        return "gauge";
    }

    /** The PromQL of every panel target and of every query variable of the dashboard. */
    static List<String> dashboardQueries() throws IOException {
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
        List<String> queries = new ArrayList<>(dashboard.findValuesAsString("expr"));
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asString().equals("query")) {
                queries.add(variable.path("definition").asString());
            }
        }
        assertThat(queries).as("queries in " + DASHBOARD).hasSizeGreaterThan(10);
        return queries;
    }

    @SuppressWarnings("unchecked")
    static List<String> alertQueries() throws IOException {
        Map<String, Object> file = new Yaml().load(Files.readString(ALERTS));
        List<String> queries = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                queries.add((String) rule.get("expr"));
            }
        }
        assertThat(queries).as("rules in " + ALERTS).hasSizeGreaterThanOrEqualTo(4);
        return queries;
    }

    /** The Prometheus text format, as far as this test reads it: sample names, their labels, and family types. */
    private record Scrape(Map<String, List<Map<String, String>>> samples, Map<String, String> types) {

        private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s");

        static Scrape parse(String text) {
            Map<String, List<Map<String, String>>> samples = new HashMap<>();
            Map<String, String> types = new HashMap<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    String[] parts = line.split(" ");
                    types.put(parts[2], parts[3]);
                    continue;
                }
                Matcher sample = SAMPLE.matcher(line);
                if (!line.startsWith("#") && sample.find()) {
                    Map<String, String> labels = new HashMap<>();
                    if (sample.group(2) != null) {
                        EQUALS.matcher(sample.group(2)).results().forEach(l -> labels.put(l.group(1), l.group(2)));
                    }
                    samples.computeIfAbsent(sample.group(1), name -> new ArrayList<>()).add(labels);
                }
            }
            return new Scrape(samples, types);
        }

        /** The type of the family a sample name belongs to: the longest declared family it starts with. */
        String typeOf(String name) {
            return types.entrySet().stream()
                    .filter(type -> name.equals(type.getKey()) || name.startsWith(type.getKey() + "_"))
                    .max((a, b) -> Integer.compare(a.getKey().length(), b.getKey().length()))
                    .map(Map.Entry::getValue)
                    .orElse("none");
        }

        Set<String> labelValues(String name, String label) {
            Set<String> values = new HashSet<>();
            samples.getOrDefault(name, List.of()).forEach(labels -> {
                if (labels.containsKey(label)) {
                    values.add(labels.get(label));
                }
            });
            return values;
        }
    }
}
