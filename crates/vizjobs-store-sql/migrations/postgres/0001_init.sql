-- The vizjobs schema (PostgreSQL). Times are milliseconds since the Unix epoch. Tables are
-- created unqualified, in the first schema of the connection's search_path.

CREATE TABLE projects (
    id          TEXT   NOT NULL PRIMARY KEY,
    name        TEXT   NOT NULL,
    account     TEXT   NOT NULL,
    job_quota   BIGINT,
    created_ms  BIGINT NOT NULL,
    UNIQUE (account, name)
);

CREATE TABLE users (
    id                   TEXT    NOT NULL PRIMARY KEY,
    account              TEXT    NOT NULL,
    name                 TEXT    NOT NULL,
    password_hash        TEXT    NOT NULL,
    password_changed_ms  BIGINT  NOT NULL,
    is_admin             BOOLEAN NOT NULL,
    created_ms           BIGINT  NOT NULL,
    UNIQUE (account, name)
);

CREATE TABLE access_keys (
    access_key         TEXT   NOT NULL PRIMARY KEY,
    user_id            TEXT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id         TEXT   NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    secret_ciphertext  BYTEA  NOT NULL,
    created_ms         BIGINT NOT NULL
);
CREATE INDEX access_keys_user ON access_keys (user_id);
CREATE INDEX access_keys_project ON access_keys (project_id);

CREATE TABLE tokens (
    token_hash  TEXT   NOT NULL PRIMARY KEY,
    kind        TEXT   NOT NULL,
    user_id     TEXT   REFERENCES users (id) ON DELETE CASCADE,
    project_id  TEXT   NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    label       TEXT   NOT NULL,
    issued_ms   BIGINT NOT NULL,
    expires_ms  BIGINT
);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE INDEX tokens_project ON tokens (project_id);
CREATE INDEX tokens_expiry ON tokens (expires_ms) WHERE expires_ms IS NOT NULL;

-- An identity column draws from a sequence, which never hands out a value twice (not even after
-- a rolled-back insert or a delete).
CREATE TABLE jobs (
    id                BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id        TEXT    NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name              TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    train_url         TEXT    NOT NULL,
    job_type          TEXT    NOT NULL,
    flavor            TEXT,
    schedule_hours    BIGINT  NOT NULL,
    status            INTEGER NOT NULL,
    create_time_ms    BIGINT  NOT NULL,
    run_ms_before     BIGINT  NOT NULL,
    running_since_ms  BIGINT,
    stop_deadline_ms  BIGINT,
    status_message    TEXT    NOT NULL
);
CREATE INDEX jobs_project ON jobs (project_id, id);
CREATE INDEX jobs_status ON jobs (status);

CREATE TABLE settings (
    key    TEXT NOT NULL PRIMARY KEY,
    value  TEXT NOT NULL
);
