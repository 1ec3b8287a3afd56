package io.fetchline.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The alert rules in docs/ are valid Prometheus rules ({@code promtool check rules}), and each fires on the history
 * that should fire it and on no other ({@code promtool test rules} with docs/prometheus/fetchline-alerts.test.yml).
 * promtool comes with Debian's {@code prometheus} package; .ci/run installs it.
 */
class AlertRulesTests {

    private static final String PROMTOOL = "promtool";

    @BeforeEach
    void promtoolIsInstalled() {
        if (promtoolWorks()) {
            return;
        }
        String message = "promtool is missing: install it with `apt-get install prometheus` (Debian); the alert rules"
                + " are NOT checked";
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(message + ", and CI must check them");
        }
        System.err.println("*".repeat(100) + "\n*** SKIPPED: " + message + "\n" + "*".repeat(100));
        Assumptions.abort(message);
    }

    @Test
    void rulesAreValid() throws Exception {
        Result result = run(PROMTOOL, "check", "rules", OperationsKitMetricsTests.ALERTS.toString());

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS: 4 rules found");
    }

    @Test
    void eachAlertFiresOnItsHistoryAndOnNoOther() throws Exception {
        Result result = run(PROMTOOL, "test", "rules", "docs/prometheus/fetchline-alerts.test.yml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
    }

    private static boolean promtoolWorks() {
        try {
            return run(PROMTOOL, "--version").exitCode() == 0;
        } catch (IOException ex) {
            return false;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(command)).directory(new File(".")).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within 60 s: " + output);
        }
        return new Result(process.exitValue(), output);
    }
}
