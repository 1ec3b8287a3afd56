package io.fetchline.api;

import static org.springframework.http.HttpStatus.BAD_REQUEST;
import static org.springframework.http.HttpStatus.CONFLICT;
import static org.springframework.http.HttpStatus.CONTENT_TOO_LARGE;
import static org.springframework.http.HttpStatus.NOT_FOUND;
import static org.springframework.http.HttpStatus.UNPROCESSABLE_CONTENT;
import static org.springframework.http.HttpStatus.UNSUPPORTED_MEDIA_TYPE;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

import io.fetchline.config.FetchlineProperties;
import io.fetchline.job.ItemState;
import io.fetchline.job.Job;
import io.fetchline.job.JobEnds;
import io.fetchline.job.JobService;
import io.fetchline.job.JobState;
import io.fetchline.job.JobStore;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@RestController
@RequestMapping("/api/v1/jobs")
@Tag(name = "jobs")
public class JobController {

    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");
    private static final Pattern WAIT = Pattern.compile("(\\d{1,7})(ms|s|m)?");
    // Proxies and load balancers commonly close a silent connection after a few minutes.
    private static final Duration LONGEST_WAIT = Duration.ofMinutes(5);

    private final JobService jobs;
    private final JobEnds ends;
    private final JsonMapper json;
    private final SubmissionParser parser;
    private final long maxRequestSize;

    public JobController(JobService jobs, JobEnds ends, JsonMapper json, FetchlineProperties properties) {
        this.jobs = jobs;
        this.ends = ends;
        this.json = json;
        this.parser = new SubmissionParser(json, properties.jobs().maxItems());
        this.maxRequestSize = properties.jobs().maxRequestSize().toBytes();
    }

    @Operation(summary = "Submit a job: a list of URLs to download", requestBody = @RequestBody(required = true,
            content = {@Content(mediaType = "text/uri-list", schema = @Schema(type = "string",
                    description = "one URL a line, as for wget -i; blank and # lines are skipped")),
                @Content(mediaType = "text/plain", schema = @Schema(type = "string")),
                @Content(mediaType = "application/json", schema = @Schema(implementation = Bodies.Submission.class))}))
    @ApiResponse(responseCode = "202", description = "The job, stored", useReturnTypeSchema = true)
    @ApiResponse(responseCode = "200", description = "The job this Idempotency-Key created before; nothing new",
            useReturnTypeSchema = true)
    @ProblemResponses({BAD_REQUEST, CONTENT_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, UNPROCESSABLE_CONTENT})
    @PostMapping
    ResponseEntity<Views.JobView> submit(HttpServletRequest request,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) throws IOException {
        String type = mediaType(request.getContentType());
        if (!type.equals("text/uri-list") && !type.equals("text/plain") && !type.equals("application/json")) {
            throw new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type",
                    "send text/uri-list, text/plain or application/json, not " + (type.isEmpty() ? "no type" : type));
        }
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw SubmissionParser.malformed("Idempotency-Key must be 1 to 255 visible ASCII characters");
        }
        byte[] body = readBody(request);
        SubmissionParser.Parsed parsed = type.equals("application/json") ? parser.json(body) : parser.text(body);
        // The key binds the exact request: same type and bytes.
        String fingerprint = SubmissionParser.sha256(concat(type, body));
        JobService.Submitted submitted = jobs.submit(
                new JobService.Submission(parsed.settings(), parsed.items(), idempotencyKey, fingerprint));
        Job job = submitted.job();
        URI location = URI.create("/api/v1/jobs/" + job.id());
        return switch (submitted.outcome()) {
            case CREATED -> ResponseEntity.accepted().location(location).body(Views.of(job));
            case REPEATED -> ResponseEntity.ok().location(location).body(Views.of(job));
            case KEY_CONFLICT -> throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency Key Reused",
                    "Idempotency-Key was used before with a different body");
        };
    }

    @Operation(summary = "List jobs, newest first")
    @ProblemResponses(BAD_REQUEST)
    @GetMapping
    Views.JobPage list(@Parameter(schema = @Schema(implementation = JobState.class)) @RequestParam(required = false)
            String state,
            @RequestParam(defaultValue = "0") String offset, @RequestParam(defaultValue = "50") String limit) {
        JobState filter = parseState(JobState.class, state);
        int from = parseInt("offset", offset, 0, Integer.MAX_VALUE);
        int count = parseInt("limit", limit, 1, 1000);
        return new Views.JobPage(jobs.countJobs(filter), from, count,
                jobs.jobs(filter, from, count).stream().map(Views::of).toList());
    }

    @Operation(summary = "Read a job, or with ?wait= wait for its end")
    @ProblemResponses(NOT_FOUND)
    @GetMapping("/{id}")
    Views.JobView job(@PathVariable String id) {
        return view(id, jobId(id));
    }

    /**
     * {@code ?wait=30s} answers as soon as the job has ended, or when the wait is over with the job as it is then,
     * so a script learns of the end at once instead of polling. No request thread is held while waiting.
     */
    @ProblemResponses({BAD_REQUEST, NOT_FOUND})
    @GetMapping(path = "/{id}", params = "wait")
    DeferredResult<Views.JobView> jobAfterWait(@PathVariable String id, @RequestParam String wait) {
        UUID jobId = jobId(id);
        Duration limit = parseWait(wait);
        DeferredResult<Views.JobView> answer = new DeferredResult<>(Math.max(1, limit.toMillis()));
        Runnable answerNow = () -> {
            try {
                answer.setResult(view(id, jobId));
            } catch (RuntimeException ex) {
                answer.setErrorResult(ex);
            }
        };
        // Registered before the job is read, so an end between the two is not missed.
        JobEnds.Waiter waiter = ends.await(jobId, answerNow);
        answer.onTimeout(answerNow);
        answer.onCompletion(waiter::cancel);
        answer.onError(error -> waiter.cancel());
        Views.JobView now;
        try {
            now = view(id, jobId);
        } catch (RuntimeException ex) {
            waiter.cancel();
            throw ex;
        }
        if (limit.isZero() || JobState.valueOf(now.state()).isTerminal()) {
            answer.setResult(now);
        }
        return answer;
    }

    private Views.JobView view(String id, UUID jobId) {
        return Views.of(jobs.job(jobId).orElseThrow(() -> ApiException.notFound("job " + id)));
    }

    @Operation(summary = "List a job's items in index order")
    @ProblemResponses({BAD_REQUEST, NOT_FOUND})
    @GetMapping("/{id}/items")
    Views.ItemPage items(@PathVariable String id,
            @Parameter(schema = @Schema(implementation = ItemState.class)) @RequestParam(required = false) String state,
            @RequestParam(defaultValue = "0") String offset, @RequestParam(defaultValue = "100") String limit) {
        UUID jobId = existing(id);
        ItemState filter = parseState(ItemState.class, state);
        int from = parseInt("offset", offset, 0, Integer.MAX_VALUE);
        int count = parseInt("limit", limit, 1, 1000);
        return new Views.ItemPage(jobs.countItems(jobId, filter), from, count,
                jobs.items(jobId, filter, from, count).stream().map(Views::of).toList());
    }

    @Operation(summary = "Read one item of a job")
    @ProblemResponses(NOT_FOUND)
    @GetMapping("/{id}/items/{index}")
    Views.ItemView item(@PathVariable String id, @PathVariable String index) {
        UUID jobId = jobId(id);
        int number;
        try {
            number = Integer.parseInt(index);
        } catch (NumberFormatException ex) {
            throw ApiException.notFound("item " + index);
        }
        return Views.of(jobs.item(jobId, number).orElseThrow(() -> ApiException.notFound("item " + index)));
    }

    @Operation(summary = "Cancel a job: its unfinished items stop, finished files stay")
    @ApiResponse(responseCode = "202", description = "The job, cancelled", useReturnTypeSchema = true)
    @ProblemResponses({NOT_FOUND, CONFLICT})
    @DeleteMapping("/{id}")
    ResponseEntity<Views.JobView> cancel(@PathVariable String id) {
        return control(id, jobs::cancel, "has already finished");
    }

    @Operation(summary = "Retry a finished job's failed and cancelled items")
    @ApiResponse(responseCode = "202", description = "The job, queued again", useReturnTypeSchema = true)
    @ProblemResponses({NOT_FOUND, CONFLICT})
    @PostMapping("/{id}/retry")
    ResponseEntity<Views.JobView> retry(@PathVariable String id) {
        return control(id, jobs::retry, "has not finished yet");
    }

    @Operation(summary = "Pause a job: nothing of it runs until resumed")
    @ApiResponse(responseCode = "202", description = "The job, paused", useReturnTypeSchema = true)
    @ProblemResponses({NOT_FOUND, CONFLICT})
    @PostMapping("/{id}/pause")
    ResponseEntity<Views.JobView> pause(@PathVariable String id) {
        return control(id, jobs::pause, "has already finished");
    }

    @Operation(summary = "Resume a paused job")
    @ApiResponse(responseCode = "202", description = "The job, going on", useReturnTypeSchema = true)
    @ProblemResponses({NOT_FOUND, CONFLICT})
    @PostMapping("/{id}/resume")
    ResponseEntity<Views.JobView> resume(@PathVariable String id) {
        return control(id, jobs::resume, "has already finished");
    }

    /** A JSON merge patch of the job's label, priority and bandwidth limit; a refused patch changes nothing. */
    @Operation(summary = "Change a job's label, priority or bandwidth limit", requestBody = @RequestBody(
            required = true, content = {
                @Content(mediaType = "application/merge-patch+json",
                        schema = @Schema(implementation = Bodies.JobPatch.class)),
                @Content(mediaType = "application/json", schema = @Schema(implementation = Bodies.JobPatch.class))}))
    @ProblemResponses({BAD_REQUEST, NOT_FOUND, CONFLICT, UNSUPPORTED_MEDIA_TYPE})
    @PatchMapping("/{id}")
    ResponseEntity<Views.JobView> patch(@PathVariable String id, HttpServletRequest request) throws IOException {
        UUID jobId = jobId(id);
        String type = mediaType(request.getContentType());
        if (!type.equals("application/json") && !type.equals("application/merge-patch+json")) {
            throw new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type",
                    "send application/json or application/merge-patch+json, not "
                            + (type.isEmpty() ? "no type" : type));
        }
        JsonNode body;
        try {
            body = json.readTree(readBody(request));
        } catch (JacksonException ex) {
            throw SubmissionParser.malformed("malformed JSON: " + ex.getOriginalMessage());
        }
        JobStore.Patch patch = JobFields.patch(body);
        return answer(id, jobId, jobs.patch(jobId, patch), HttpStatus.OK, "has already finished");
    }

    private ResponseEntity<Views.JobView> control(String id, Function<UUID, JobService.Control> control,
            String refusal) {
        UUID jobId = jobId(id);
        return answer(id, jobId, control.apply(jobId), HttpStatus.ACCEPTED, refusal);
    }

    /** Controls alike: 404 for an unknown job, 409 when its state forbids the control, else the job. */
    private ResponseEntity<Views.JobView> answer(String id, UUID jobId, JobService.Control outcome, HttpStatus done,
            String refusal) {
        return switch (outcome) {
            case DONE -> ResponseEntity.status(done).body(view(id, jobId));
            case REFUSED -> throw new ApiException(HttpStatus.CONFLICT, "Conflict", "job " + id + " " + refusal);
            case NOT_FOUND -> throw ApiException.notFound("job " + id);
        };
    }

    private UUID existing(String id) {
        UUID jobId = jobId(id);
        jobs.job(jobId).orElseThrow(() -> ApiException.notFound("job " + id));
        return jobId;
    }

    /** An id that is not a UUID is simply not found. */
    static UUID jobId(String id) {
        if (!UUID_TEXT.matcher(id).matches()) {
            throw ApiException.notFound("job " + id);
        }
        return UUID.fromString(id);
    }

    private byte[] readBody(HttpServletRequest request) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > maxRequestSize) {
            throw tooLarge();
        }
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(maxRequestSize + 1, Integer.MAX_VALUE - 8));
            if (body.length > maxRequestSize) {
                throw tooLarge();
            }
            return body;
        }
    }

    private ApiException tooLarge() {
        return new ApiException(HttpStatus.CONTENT_TOO_LARGE, "Content Too Large",
                "the body is larger than " + maxRequestSize + " bytes (fetchline.jobs.max-request-size)");
    }

    private static String mediaType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return "";
        }
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            return (type.getType() + "/" + type.getSubtype()).toLowerCase(Locale.ROOT);
        } catch (RuntimeException ex) {
            return contentType.toLowerCase(Locale.ROOT);
        }
    }

    private static <E extends Enum<E>> E parseState(Class<E> type, String state) {
        if (state == null || state.isBlank()) {
            return null;
        }
        try {
            return Enum.valueOf(type, state.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException ex) {
            throw SubmissionParser.malformed("unknown state " + state);
        }
    }

    /** A whole number of seconds, or of {@code ms}, {@code s} or {@code m}, up to the longest wait. */
    static Duration parseWait(String wait) {
        Matcher match = WAIT.matcher(wait.trim());
        if (match.matches()) {
            long amount = Long.parseLong(match.group(1));
            String unit = match.group(2);
            Duration duration = switch (unit == null ? "s" : unit) {
                case "ms" -> Duration.ofMillis(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofSeconds(amount);
            };
            if (duration.compareTo(LONGEST_WAIT) <= 0) {
                return duration;
            }
        }
        throw SubmissionParser.malformed("wait must be a duration such as 30s, 500ms or 2m, at most "
                + LONGEST_WAIT.toMinutes() + "m");
    }

    private static int parseInt(String name, String value, int min, int max) {
        try {
            int number = Integer.parseInt(value);
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException ignored) {
            // Reported below.
        }
        throw SubmissionParser.malformed(name + " must be a whole number from " + min + " to " + max);
    }

    private static byte[] concat(String type, byte[] body) {
        byte[] prefix = (type + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] all = java.util.Arrays.copyOf(prefix, prefix.length + body.length);
        System.arraycopy(body, 0, all, prefix.length, body.length);
        return all;
    }

}
