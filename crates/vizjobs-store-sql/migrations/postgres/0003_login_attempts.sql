-- Login attempts, counted in the database before the password is hashed ("reserve, then
-- settle"), so that concurrent guesses, on one replica or several, cannot all pass the throttle
-- before any is counted. One row per throttling key (the user's, the address's) of each attempt.
-- Keys are BYTEA: they may hold NUL ("user:<account>\0<name>"), which TEXT cannot.
CREATE TABLE login_attempts (
    attempt_id   BIGINT NOT NULL,
    attempt_key  BYTEA  NOT NULL,
    at_ms        BIGINT NOT NULL,
    PRIMARY KEY (attempt_id, attempt_key)
);
-- Counting one key's attempts in the window.
CREATE INDEX login_attempts_key ON login_attempts (attempt_key, at_ms);
-- Purging attempts that left the window, whatever their key.
CREATE INDEX login_attempts_age ON login_attempts (at_ms);

-- Attempt ids: never handed out twice, even once an attempt's rows are gone (a late settle of an
-- old attempt must not act on a new one).
CREATE SEQUENCE login_attempt_ids AS BIGINT;
