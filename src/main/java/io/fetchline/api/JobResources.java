package io.fetchline.api;

import java.time.Instant;

import org.springframework.stereotype.Component;

import io.fetchline.job.Job;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The job resource of the API as JSON, for what sends it elsewhere than in an answer to a request (webhooks). */
@Component
public class JobResources {

    private final JsonMapper json;

    public JobResources(JsonMapper json) {
        this.json = json;
    }

    /**
     * An event about the job, as the Standard Webhooks specification shapes it: {@code {"type": …, "timestamp":
     * …, "data": <the job exactly as GET /api/v1/jobs/{id} shows it>}}, minified.
     */
    public String event(String type, Instant at, Job job) {
        ObjectNode event = json.createObjectNode();
        event.put("type", type);
        event.put("timestamp", Views.time(at));
        event.set("data", json.valueToTree(Views.of(job)));
        return json.writeValueAsString(event);
    }
}
