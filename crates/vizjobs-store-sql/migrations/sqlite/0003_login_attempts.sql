-- Login attempts, counted in the database before the password is hashed ("reserve, then
-- settle"), so that concurrent guesses cannot all pass the throttle before any is counted.
-- One row per throttling key (the user's, the address's) of each attempt. Keys are BLOBs: they
-- may hold NUL ("user:<account>\0<name>"), which SQLite's text functions do not handle.
CREATE TABLE login_attempts (
    attempt_id   INTEGER NOT NULL,
    attempt_key  BLOB    NOT NULL,
    at_ms        INTEGER NOT NULL,
    PRIMARY KEY (attempt_id, attempt_key)
);
-- Counting one key's attempts in the window.
CREATE INDEX login_attempts_key ON login_attempts (attempt_key, at_ms);
-- Purging attempts that left the window, whatever their key.
CREATE INDEX login_attempts_age ON login_attempts (at_ms);

-- The last attempt id handed out. A counter rather than MAX(attempt_id) + 1: the rows of a
-- settled or purged attempt are gone, and its id must still never come back (a late settle of
-- the old attempt would act on the new one).
CREATE TABLE login_attempt_ids (
    last_id  INTEGER NOT NULL
);
INSERT INTO login_attempt_ids (last_id) VALUES (0);
