package io.fetchline.job;

/** Why an item failed; the codes are part of the API. */
public enum ErrorCode {
    HTTP_STATUS, TIMEOUT, CONNECTION, TRUNCATED, TOO_LARGE, CHECKSUM_MISMATCH,
    BLOCKED_ADDRESS, REDIRECT_LIMIT, UNSUPPORTED_SCHEME, PROTOCOL, STORAGE
}
