package io.fetchline.api;

import java.util.List;
import java.util.Map;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;

/**
 * The bodies the API reads as JSON trees, and the problem it answers, as records for the OpenAPI description only:
 * the controller reads trees so that one answer can list every bad field ({@link JobFields}, {@link SubmissionParser}).
 */
final class Bodies {

    private Bodies() {
    }

    @Schema(description = "A job as JSON: its items are `urls` in order, then `items` in order (at least one URL)")
    record Submission(
            @Schema(types = {"string", "null"}, maxLength = 1000) String label,
            @ArraySchema(schema = @Schema(format = "uri", maxLength = 8192)) List<String> urls,
            List<SubmittedItem> items,
            @Schema(types = {"integer", "null"}, minimum = "-100", maximum = "100", defaultValue = "0",
                    description = "higher first; jobs of equal priority share fairly") Integer priority,
            @Schema(types = {"integer", "null"}, minimum = "1024",
                    description = "the job's bandwidth limit; null for none") Long maxBytesPerSecond,
            @Schema(types = {"boolean", "null"}, defaultValue = "false",
                    description = "create the job PAUSED: nothing starts until resumed") Boolean paused,
            @Schema(description = "sent with every request of the job's items; values are never shown")
            Map<String, String> headers,
            @Schema(types = {"object", "null"}, description = "called when the job ends") SubmittedWebhook webhook) {
    }

    record SubmittedWebhook(
            @Schema(requiredMode = RequiredMode.REQUIRED, format = "uri", description = "absolute http or https URL")
            String url,
            @Schema(types = {"string", "null"}, pattern = "^whsec_[A-Za-z0-9+/]+={0,2}$",
                    description = "signs each event (Standard Webhooks); never shown") String secret) {
    }

    record SubmittedItem(
            @Schema(requiredMode = RequiredMode.REQUIRED, format = "uri", maxLength = 8192) String url,
            @Schema(types = {"string", "null"}, minLength = 1, maxLength = 1024,
                    description = "the file's name instead of one from the response") String fileName,
            @Schema(types = {"string", "null"}, pattern = "^[0-9a-fA-F]{64}$",
                    description = "the file must have this SHA-256, else the item fails") String sha256) {
    }

    @Schema(description = "A JSON merge patch (RFC 7396) of the job: only what it names changes")
    record JobPatch(
            @Schema(types = {"string", "null"}, maxLength = 1000, description = "null removes it") String label,
            @Schema(types = {"integer", "null"}, minimum = "-100", maximum = "100",
                    description = "null puts it back to 0") Integer priority,
            @Schema(types = {"integer", "null"}, minimum = "1024", description = "null removes the limit")
            Long maxBytesPerSecond) {
    }

    @Schema(name = "Problem", description = "RFC 9457 problem details; `errors` lists every refused URL or field")
    record Problem(@Schema(requiredMode = RequiredMode.REQUIRED) String type,
            @Schema(requiredMode = RequiredMode.REQUIRED) String title,
            @Schema(requiredMode = RequiredMode.REQUIRED) int status,
            @Schema(requiredMode = RequiredMode.REQUIRED) String detail, String instance,
            List<ValidationError> errors) {
    }
}
