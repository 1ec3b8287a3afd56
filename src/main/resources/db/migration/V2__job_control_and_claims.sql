-- Job control (API.md 1.1): priority orders dispatch, the bandwidth limit is stored and shown.
ALTER TABLE jobs ADD COLUMN priority INT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN max_bytes_per_second BIGINT;

-- The dispatcher reads unfinished jobs highest priority first, then oldest first.
DROP INDEX jobs_state;
CREATE INDEX jobs_state ON jobs (state, priority, seq);

-- A claimed (ACTIVE) item names the node that holds it, until when (the database's clock, epoch milliseconds),
-- and a random fencing token that every record of the holder must match.
ALTER TABLE items ADD COLUMN claim_owner VARCHAR(64);
ALTER TABLE items ADD COLUMN claim_token BIGINT;
ALTER TABLE items ADD COLUMN lease_until BIGINT;
