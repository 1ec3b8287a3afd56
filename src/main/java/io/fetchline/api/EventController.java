package io.fetchline.api;

import java.io.IOException;

import static org.springframework.http.HttpStatus.NOT_FOUND;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Server-sent events of one job, or of all jobs (API.md, Events). The response outlives the request's thread. */
@RestController
class EventController {

    private final EventStreams streams;

    EventController(EventStreams streams) {
        this.streams = streams;
    }

    @Operation(summary = "Follow a job: its state, progress and item changes as server-sent events, until it ends")
    @ApiResponse(responseCode = "200", description = "`job` events (the job resource), then `job` and `item` events"
            + " (the item resource) as they happen; the stream ends after the terminal `job` event",
            content = @Content(mediaType = "text/event-stream", schema = @Schema(type = "string")))
    @ProblemResponses(NOT_FOUND)
    @GetMapping("/api/v1/jobs/{id}/events")
    void job(@PathVariable String id, HttpServletRequest request, HttpServletResponse response) throws IOException {
        streams.open(JobController.jobId(id), request, response);
    }

    @Operation(summary = "Follow every job: `job` events of each job that changes, as server-sent events")
    @ApiResponse(responseCode = "200", description = "`job` events (the job resource); the stream never ends",
            content = @Content(mediaType = "text/event-stream", schema = @Schema(type = "string")))
    @GetMapping("/api/v1/events")
    void all(HttpServletRequest request, HttpServletResponse response) throws IOException {
        streams.open(null, request, response);
    }
}
