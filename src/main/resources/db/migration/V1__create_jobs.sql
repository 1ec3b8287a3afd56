-- Times are epoch milliseconds (UTC): portable between H2 and PostgreSQL without time zone surprises.
CREATE TABLE jobs (
    id               UUID         NOT NULL PRIMARY KEY,
    label            VARCHAR(1000),
    state            VARCHAR(16)  NOT NULL,
    created_at       BIGINT       NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT,
    item_count       INT          NOT NULL,
    idempotency_key  VARCHAR(255) UNIQUE,
    request_sha256   CHAR(64)
);

CREATE INDEX jobs_created ON jobs (created_at DESC);
CREATE INDEX jobs_state ON jobs (state, created_at);

CREATE TABLE items (
    job_id          UUID          NOT NULL REFERENCES jobs (id),
    idx             INT           NOT NULL,
    url             VARCHAR(8192) NOT NULL,
    host            VARCHAR(255)  NOT NULL,
    requested_name  VARCHAR(1024),
    expected_sha256 CHAR(64),
    state           VARCHAR(16)   NOT NULL,
    file            VARCHAR(1024),
    bytes           BIGINT        NOT NULL DEFAULT 0,
    size            BIGINT,
    sha256          CHAR(64),
    http_status     INT,
    attempts        INT           NOT NULL DEFAULT 0,
    error_code      VARCHAR(32),
    error_message   VARCHAR(2000),
    validator       VARCHAR(1024),
    started_at      BIGINT,
    finished_at     BIGINT,
    PRIMARY KEY (job_id, idx)
);

CREATE INDEX items_state ON items (job_id, state, idx);
