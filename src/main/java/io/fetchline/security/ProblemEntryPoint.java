package io.fetchline.security;

import java.io.IOException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers a request without a valid API key with {@code 401} as RFC 9457 problem details, the shape of every other
 * API error. It is written here rather than by the MVC advice because Spring Security refuses the request before
 * it reaches MVC.
 */
final class ProblemEntryPoint implements AuthenticationEntryPoint {

    record Problem(String type, String title, int status, String detail, String instance) {
    }

    private final JsonMapper json;

    ProblemEntryPoint(JsonMapper json) {
        this.json = json;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException ex)
            throws IOException {
        boolean invalid = ex instanceof BadCredentialsException;
        // RFC 6750: tells clients which scheme to use, and whether the key they sent was the problem.
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE,
                invalid ? "Bearer realm=\"fetchline\", error=\"invalid_token\"" : "Bearer realm=\"fetchline\"");
        response.setStatus(HttpStatus.UNAUTHORIZED.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        String detail = invalid ? ex.getMessage()
                : "this API requires an API key: send Authorization: Bearer <key>";
        json.writeValue(response.getOutputStream(),
                new Problem("about:blank", "Unauthorized", 401, detail, request.getRequestURI()));
    }
}
