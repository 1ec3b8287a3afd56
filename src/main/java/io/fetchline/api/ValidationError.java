package io.fetchline.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One refused URL: {@code line} (1-based) for text bodies, {@code index} (0-based) for JSON bodies. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ValidationError(Integer line, Integer index, String url, String reason) {

    static ValidationError atLine(int line, String url, String reason) {
        return new ValidationError(line, null, url, reason);
    }

    static ValidationError atIndex(int index, String url, String reason) {
        return new ValidationError(null, index, url, reason);
    }
}
