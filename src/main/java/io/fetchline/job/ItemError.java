package io.fetchline.job;

public record ItemError(ErrorCode code, String message) {
}
