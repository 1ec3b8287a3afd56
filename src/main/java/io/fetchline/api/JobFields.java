package io.fetchline.api;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.springframework.http.HttpStatus;

import io.fetchline.fetch.Urls;
import io.fetchline.job.JobStore;
import io.fetchline.job.Webhook;
import io.fetchline.job.RequestHeaders;
import tools.jackson.databind.JsonNode;

/**
 * The fields of a job that its owner sets, at submit and by PATCH: each checked, and every bad one listed in one
 * answer, so that nothing is stored from a request that has one.
 */
final class JobFields {

    static final int MIN_PRIORITY = -100;
    static final int MAX_PRIORITY = 100;
    static final long MIN_BYTES_PER_SECOND = 1024;
    private static final int MAX_LABEL = 1000;
    private static final Set<String> PATCHABLE = Set.of("label", "priority", "maxBytesPerSecond");
    private static final Set<String> WEBHOOK_FIELDS = Set.of("url", "secret");

    private JobFields() {
    }

    /** The settings of a submission's JSON body; the caller throws when {@code errors} is not empty. */
    static JobStore.Settings atSubmit(JsonNode root, List<ValidationError> errors) {
        String label = label(root.get("label"), errors);
        JsonNode priority = root.get("priority");
        Integer level = priority == null || priority.isNull() ? Integer.valueOf(0) : priority(priority, errors);
        Long limit = maxBytesPerSecond(root.get("maxBytesPerSecond"), errors);
        JsonNode paused = root.get("paused");
        boolean startPaused = false;
        if (paused != null && !paused.isNull()) {
            if (paused.isBoolean()) {
                startPaused = paused.asBoolean();
            } else {
                errors.add(ValidationError.ofField("paused", "must be true or false"));
            }
        }
        RequestHeaders headers = HeadersField.of(root.get("headers"), errors);
        Webhook webhook = webhook(root.get("webhook"), errors);
        return new JobStore.Settings(label, level == null ? 0 : level, limit, startPaused, headers, webhook);
    }

    /** A PATCH body (JSON merge patch): only what it names changes; {@code null} removes a label or a limit. */
    static JobStore.Patch patch(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw SubmissionParser.malformed("the body must be a JSON object of label, priority and/or"
                    + " maxBytesPerSecond");
        }
        List<ValidationError> errors = new java.util.ArrayList<>();
        for (String field : root.propertyNames()) {
            if (!PATCHABLE.contains(field)) {
                errors.add(ValidationError.ofField(field, "unknown field; a job's label, priority and"
                        + " maxBytesPerSecond may change"));
            }
        }
        boolean setLabel = root.has("label");
        String label = label(root.get("label"), errors);
        JsonNode priority = root.get("priority");
        // Removing the priority (null) puts it back to the default.
        Integer level = priority == null ? null : priority.isNull() ? Integer.valueOf(0) : priority(priority, errors);
        boolean setLimit = root.has("maxBytesPerSecond");
        Long limit = maxBytesPerSecond(root.get("maxBytesPerSecond"), errors);
        if (!errors.isEmpty()) {
            throw invalid(errors);
        }
        return new JobStore.Patch(setLabel, label, level, setLimit, limit);
    }

    static ApiException invalid(List<ValidationError> errors) {
        return new ApiException(HttpStatus.BAD_REQUEST, "Invalid Fields",
                errors.size() + (errors.size() == 1 ? " field is" : " fields are") + " not valid; nothing was changed",
                errors);
    }

    private static String label(JsonNode value, List<ValidationError> errors) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            errors.add(ValidationError.ofField("label", "must be a string"));
            return null;
        }
        if (value.asString().length() > MAX_LABEL) {
            errors.add(ValidationError.ofField("label", "must be at most " + MAX_LABEL + " characters"));
            return null;
        }
        return value.asString();
    }

    /**
     * {@code {"url": …, "secret": "whsec_…"}}, the secret optional. A refused secret is never repeated in the
     * answer; a refused URL is shown as refused URLs are, its password masked.
     */
    private static Webhook webhook(JsonNode value, List<ValidationError> errors) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            errors.add(ValidationError.ofField("webhook", "must be an object with url and, optionally, secret"));
            return null;
        }
        boolean valid = true;
        for (String field : value.propertyNames()) {
            if (!WEBHOOK_FIELDS.contains(field)) {
                errors.add(ValidationError.ofField("webhook." + field, "unknown field; a webhook has url and secret"));
                valid = false;
            }
        }
        JsonNode url = value.get("url");
        Urls.Parsed target = url != null && url.isString() ? Urls.parse(url.asString().strip()) : null;
        if (target == null) {
            errors.add(ValidationError.ofField("webhook.url", "must be an absolute http or https URL"));
            valid = false;
        } else if (!target.valid()) {
            errors.add(new ValidationError(null, null, "webhook.url", Urls.masked(url.asString()), target.problem()));
            valid = false;
        }
        JsonNode secret = value.get("secret");
        String key = null;
        if (secret != null && !secret.isNull()) {
            Optional<String> problem = secret.isString() ? Webhook.secretProblem(secret.asString())
                    : Optional.of("must be a string");
            if (problem.isPresent()) {
                errors.add(ValidationError.ofField("webhook.secret", problem.get()));
                valid = false;
            } else {
                key = secret.asString();
            }
        }
        return valid ? new Webhook(target.uri().toString(), key) : null;
    }

    private static Integer priority(JsonNode value, List<ValidationError> errors) {
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < MIN_PRIORITY
                || value.asInt() > MAX_PRIORITY) {
            errors.add(ValidationError.ofField("priority",
                    "must be between " + MIN_PRIORITY + " and " + MAX_PRIORITY));
            return null;
        }
        return value.asInt();
    }

    private static Long maxBytesPerSecond(JsonNode value, List<ValidationError> errors) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < MIN_BYTES_PER_SECOND) {
            errors.add(ValidationError.ofField("maxBytesPerSecond",
                    "must be a whole number of at least " + MIN_BYTES_PER_SECOND + ", or null for no limit"));
            return null;
        }
        return value.asLong();
    }
}
