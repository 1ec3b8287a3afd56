package io.fetchline.api;

import java.io.IOException;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Server-sent events of one job, or of all jobs (API.md, Events). The response outlives the request's thread. */
@RestController
class EventController {

    private final EventStreams streams;

    EventController(EventStreams streams) {
        this.streams = streams;
    }

    @GetMapping("/api/v1/jobs/{id}/events")
    void job(@PathVariable String id, HttpServletRequest request, HttpServletResponse response) throws IOException {
        streams.open(JobController.jobId(id), request, response);
    }

    @GetMapping("/api/v1/events")
    void all(HttpServletRequest request, HttpServletResponse response) throws IOException {
        streams.open(null, request, response);
    }
}
