package io.fetchline.api;

import java.util.List;

import org.springframework.http.HttpStatus;

/** A request the API refuses, with what a person needs to fix it. */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String title;
    private final List<ValidationError> errors;

    public ApiException(HttpStatus status, String title, String detail) {
        this(status, title, detail, List.of());
    }

    public ApiException(HttpStatus status, String title, String detail, List<ValidationError> errors) {
        super(detail, null, false, false);
        this.status = status;
        this.title = title;
        this.errors = errors;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }

    public List<ValidationError> errors() {
        return errors;
    }

    static ApiException notFound(String what) {
        return new ApiException(HttpStatus.NOT_FOUND, "Not Found", what + " not found");
    }
}
