package io.fetchline.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One refused part of a request: a URL at {@code line} (1-based) of a text body or {@code index} (0-based) of a
 * JSON body, or a JSON {@code field}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ValidationError(Integer line, Integer index, String field, String url, String reason) {

    static ValidationError atLine(int line, String url, String reason) {
        return new ValidationError(line, null, null, url, reason);
    }

    static ValidationError atIndex(int index, String url, String reason) {
        return new ValidationError(null, index, null, url, reason);
    }

    static ValidationError ofField(String field, String reason) {
        return new ValidationError(null, null, field, null, reason);
    }
}
