package io.fetchline.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.http.HttpStatus;

/**
 * The problems an operation may answer, for its OpenAPI description ({@link ApiDocumentation}): each becomes an
 * {@code application/problem+json} response. {@code 401} is added to every operation, as any may be refused for
 * want of a key.
 */
@Documented
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@interface ProblemResponses {

    HttpStatus[] value();
}
