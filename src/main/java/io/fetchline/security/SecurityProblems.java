package io.fetchline.security;

import java.io.IOException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers the requests Spring Security turns away as RFC 9457 problem details, the shape of every other API error.
 * They are written here rather than by the MVC advice because these requests never reach MVC.
 */
final class SecurityProblems implements AuthenticationEntryPoint, RequestRejectedHandler {

    record Problem(String type, String title, int status, String detail, String instance) {
    }

    private final JsonMapper json;

    SecurityProblems(JsonMapper json) {
        this.json = json;
    }

    /** No key, or a wrong one: {@code 401}. The detail never repeats what the client sent. */
    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException ex)
            throws IOException {
        boolean invalid = ex instanceof BadCredentialsException;
        // RFC 6750: tells clients which scheme to use, and whether the key they sent was the problem.
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE,
                invalid ? "Bearer realm=\"fetchline\", error=\"invalid_token\"" : "Bearer realm=\"fetchline\"");
        write(request, response, HttpStatus.UNAUTHORIZED, invalid ? ex.getMessage()
                : "this API requires an API key: send Authorization: Bearer <key>");
    }

    /**
     * A path the firewall refuses because it could be read two ways ({@code ;}, {@code //}, encoded dots or
     * percent signs). Nothing lives at such a path, so it gets the API's usual {@code 404} (API.md: an id that is
     * not one is simply not found) rather than Spring's bare 400.
     */
    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, RequestRejectedException ex)
            throws IOException {
        write(request, response, HttpStatus.NOT_FOUND, "nothing is found at this path");
    }

    private void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String detail)
            throws IOException {
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), new Problem("about:blank", status.getReasonPhrase(),
                status.value(), detail, request.getRequestURI()));
    }
}
