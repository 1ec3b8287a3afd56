-- Request headers of a job (API.md 1.1), as an HTTP header block: one "Name: value" line each, in the order
-- given, lines ended by LF. Names are tokens and values hold no CR, LF or NUL, so the block reads back
-- unambiguously. At most 8 KiB of names and values, 64 headers. NULL when the job has none.
ALTER TABLE jobs ADD COLUMN request_headers VARCHAR(16384);
