-- The vizjobs schema (SQLite). Times are milliseconds since the Unix epoch.

CREATE TABLE projects (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    account     TEXT    NOT NULL,
    job_quota   INTEGER,
    created_ms  INTEGER NOT NULL,
    UNIQUE (account, name)
);

CREATE TABLE users (
    id                   TEXT    NOT NULL PRIMARY KEY,
    account              TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    password_hash        TEXT    NOT NULL,
    password_changed_ms  INTEGER NOT NULL,
    is_admin             INTEGER NOT NULL CHECK (is_admin IN (0, 1)),
    created_ms           INTEGER NOT NULL,
    UNIQUE (account, name)
);

CREATE TABLE access_keys (
    access_key         TEXT    NOT NULL PRIMARY KEY,
    user_id            TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id         TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    secret_ciphertext  BLOB    NOT NULL,
    created_ms         INTEGER NOT NULL
);
CREATE INDEX access_keys_user ON access_keys (user_id);
CREATE INDEX access_keys_project ON access_keys (project_id);

CREATE TABLE tokens (
    token_hash  TEXT    NOT NULL PRIMARY KEY,
    kind        TEXT    NOT NULL,
    user_id     TEXT    REFERENCES users (id) ON DELETE CASCADE,
    project_id  TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    label       TEXT    NOT NULL,
    issued_ms   INTEGER NOT NULL,
    expires_ms  INTEGER
);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE INDEX tokens_project ON tokens (project_id);
CREATE INDEX tokens_expiry ON tokens (expires_ms) WHERE expires_ms IS NOT NULL;

-- AUTOINCREMENT (unlike a bare INTEGER PRIMARY KEY) never hands out an id again, even the
-- highest one after it was deleted.
CREATE TABLE jobs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id        TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name              TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    train_url         TEXT    NOT NULL,
    job_type          TEXT    NOT NULL,
    flavor            TEXT,
    schedule_hours    INTEGER NOT NULL,
    status            INTEGER NOT NULL,
    create_time_ms    INTEGER NOT NULL,
    run_ms_before     INTEGER NOT NULL,
    running_since_ms  INTEGER,
    stop_deadline_ms  INTEGER,
    status_message    TEXT    NOT NULL
);
CREATE INDEX jobs_project ON jobs (project_id, id);
CREATE INDEX jobs_status ON jobs (status);

CREATE TABLE settings (
    key    TEXT NOT NULL PRIMARY KEY,
    value  TEXT NOT NULL
);
