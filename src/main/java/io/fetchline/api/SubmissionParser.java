package io.fetchline.api;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import org.springframework.http.HttpStatus;

import io.fetchline.fetch.Urls;
import io.fetchline.job.JobStore;
import io.fetchline.job.NewItem;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Turns a submission body into items, or refuses it listing every bad URL at once. */
final class SubmissionParser {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    record Parsed(JobStore.Settings settings, List<NewItem> items) {
    }

    private static final JobStore.Settings DEFAULTS = new JobStore.Settings(null, 0, null, false);

    private final JsonMapper json;
    private final int maxItems;

    SubmissionParser(JsonMapper json, int maxItems) {
        this.json = json;
        this.maxItems = maxItems;
    }

    /** The {@code wget -i} format: one URL a line; blank and {@code #} lines skipped but counted. */
    Parsed text(byte[] body) {
        String text = utf8(body);
        List<NewItem> items = new ArrayList<>();
        List<ValidationError> errors = new ArrayList<>();
        int lineNumber = 0;
        // A scan by hand: a regex split of a 16 MB body costs seconds and a copy of every line at once.
        for (int start = 0; start <= text.length(); ) {
            int end = start;
            while (end < text.length() && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
                end++;
            }
            lineNumber++;
            String line = text.substring(start, end).strip();
            start = end + (text.startsWith("\r\n", end) ? 2 : 1);
            if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1).strip();
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (items.size() + errors.size() >= maxItems) {
                throw tooManyItems();
            }
            Urls.Parsed url = Urls.parse(line);
            if (url.valid()) {
                items.add(NewItem.of(url.uri(), null, null));
            } else {
                errors.add(ValidationError.atLine(lineNumber, Urls.masked(line), url.problem()));
            }
        }
        return checked(DEFAULTS, items, errors, List.of());
    }

    /**
     * {@code {"label": …, "urls": […], "items": [{"url", "fileName", "sha256"}]}}, and the job's settings
     * ({@link JobFields}).
     */
    Parsed json(byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JacksonException ex) {
            throw malformed("malformed JSON: " + ex.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw malformed("the body must be a JSON object with \"urls\" and/or \"items\"");
        }
        List<ValidationError> fieldErrors = new ArrayList<>();
        JobStore.Settings settings = JobFields.atSubmit(root, fieldErrors);
        JsonNode urls = array(root, "urls");
        JsonNode objects = array(root, "items");
        if (urls.size() + objects.size() > maxItems) {
            throw tooManyItems();
        }
        List<NewItem> items = new ArrayList<>();
        List<ValidationError> errors = new ArrayList<>();
        int index = 0;
        for (JsonNode node : urls) {
            add(index++, node.isString() ? node.asString() : null, null, null, items, errors);
        }
        for (JsonNode node : objects) {
            if (!node.isObject()) {
                errors.add(ValidationError.atIndex(index++, null, "an item must be an object with \"url\""));
                continue;
            }
            JsonNode url = node.get("url");
            add(index++, url != null && url.isString() ? url.asString() : null, optionalText(node, "fileName"),
                    optionalText(node, "sha256"), items, errors);
        }
        return checked(settings, items, errors, fieldErrors);
    }

    private static void add(int index, String text, String fileName, String sha256, List<NewItem> items,
            List<ValidationError> errors) {
        if (text == null) {
            errors.add(ValidationError.atIndex(index, null, "url must be a string"));
            return;
        }
        Urls.Parsed url = Urls.parse(text.strip());
        if (!url.valid()) {
            errors.add(ValidationError.atIndex(index, Urls.masked(text), url.problem()));
        } else if (sha256 != null && !SHA256.matcher(sha256).matches()) {
            errors.add(ValidationError.atIndex(index, Urls.masked(text), "sha256 must be 64 hexadecimal digits"));
        } else if (fileName != null && (fileName.isBlank() || fileName.length() > 1024)) {
            errors.add(ValidationError.atIndex(index, Urls.masked(text), "fileName must be 1 to 1024 characters"));
        } else {
            items.add(NewItem.of(url.uri(), fileName, sha256 == null ? null : sha256.toLowerCase()));
        }
    }

    private static Parsed checked(JobStore.Settings settings, List<NewItem> items, List<ValidationError> errors,
            List<ValidationError> fieldErrors) {
        if (!fieldErrors.isEmpty()) {
            List<ValidationError> all = new ArrayList<>(fieldErrors);
            all.addAll(errors);
            throw JobFields.invalid(all);
        }
        if (!errors.isEmpty()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "Invalid URLs",
                    errors.size() + (errors.size() == 1 ? " URL is" : " URLs are") + " not valid; nothing was stored",
                    errors);
        }
        if (items.isEmpty()) {
            throw malformed("no URLs in the request");
        }
        return new Parsed(settings, items);
    }

    private JsonNode array(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return json.createArrayNode();
        }
        if (!node.isArray()) {
            throw malformed("\"" + field + "\" must be an array");
        }
        return node;
    }

    private static String optionalText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw malformed("\"" + field + "\" must be a string");
        }
        return value.asString();
    }

    private ApiException tooManyItems() {
        return new ApiException(HttpStatus.CONTENT_TOO_LARGE, "Too Many Items",
                "a job may hold at most " + maxItems + " items (fetchline.jobs.max-items)");
    }

    static ApiException malformed(String detail) {
        return new ApiException(HttpStatus.BAD_REQUEST, "Bad Request", detail);
    }

    static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(body));
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String utf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException ex) {
            throw malformed("the body is not valid UTF-8");
        }
    }
}
