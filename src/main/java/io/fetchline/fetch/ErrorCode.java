package io.fetchline.fetch;

/** Why an attempt at a download failed; the codes are part of the API (an item's {@code error.code}). */
public enum ErrorCode {
    HTTP_STATUS, TIMEOUT, CONNECTION, TRUNCATED, TOO_LARGE, CHECKSUM_MISMATCH,
    BLOCKED_ADDRESS, REDIRECT_LIMIT, UNSUPPORTED_SCHEME, PROTOCOL, STORAGE, TLS
}
