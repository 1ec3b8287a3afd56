package io.fetchline.job;

/**
 * Why an item failed.
 *
 * @param code one of API.md's error codes; the fetch package decides them, the job model only keeps them
 */
public record ItemError(String code, String message) {
}
