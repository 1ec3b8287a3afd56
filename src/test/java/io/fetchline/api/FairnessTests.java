package io.fetchline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fetchline.FetchlineTest;
import tools.jackson.databind.JsonNode;

class FairnessTests extends FetchlineTest {

    @Test
    void aSmallJobIsNotHeldBackByALargeJobSubmittedBeforeIt() {
        List<String> large = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            origin.file("/large/f-" + i, 100, i);
            origin.route("/large/f-" + i).delayBeforeHeaders(Duration.ofMillis(40));
            large.add(origin.url("/large/f-" + i));
        }
        List<String> small = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            origin.file("/small/f-" + i, 100, i);
            small.add(origin.url("/small/f-" + i));
        }
        String largeJob = api.submit(large);
        String smallJob = api.submit(small);

        api.awaitState(smallJob, "SUCCEEDED", Duration.ofSeconds(30));

        JsonNode big = api.job(largeJob);
        int done = big.get("items").get("succeeded").asInt();
        assertThat(done).as("large job items done when the small one finished").isLessThan(200);
        api.awaitState(largeJob, "SUCCEEDED", Duration.ofSeconds(60));
    }
}
