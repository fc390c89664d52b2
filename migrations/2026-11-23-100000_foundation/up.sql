-- Foundation: the application's database role, sites, users and their credentials,
-- and the append-only audit trail every write lands in.

-- The service connects as the DATABASE_URL user (who owns the schema and runs these
-- migrations) and then switches to this role for all ordinary work, so that what the
-- append-only tables refuse is refused by privileges as well as by triggers.
DO $$
BEGIN
    CREATE ROLE grant_tracker_app NOLOGIN;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
DO $$
BEGIN
    EXECUTE format('GRANT grant_tracker_app TO %I', current_user);
EXCEPTION
    WHEN others THEN RAISE NOTICE 'could not grant grant_tracker_app to %: %', current_user, SQLERRM;
END
$$;
GRANT USAGE ON SCHEMA public TO grant_tracker_app;
GRANT SELECT ON __diesel_schema_migrations TO grant_tracker_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO grant_tracker_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO grant_tracker_app;

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Refuses UPDATE, DELETE and TRUNCATE on the tables that are history.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TABLE sites (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (code ~ '^[A-Z]{2,5}$'),
    name TEXT NOT NULL,
    name_ko TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state ~ '^[A-Z]{2}$')
);
INSERT INTO sites (code, name, name_ko, state) VALUES
    ('LA', 'Los Angeles', '로스앤젤레스', 'CA'),
    ('CHI', 'Chicago', '시카고', 'IL'),
    ('NYC', 'New York (Queens)', '뉴욕 (퀸즈)', 'NY');

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    name TEXT NOT NULL CHECK (btrim(name) <> ''),
    -- argon2id PHC string; never the password.
    password_hash TEXT NOT NULL,
    roles TEXT[] NOT NULL CHECK (
        cardinality(roles) > 0
        AND roles <@ ARRAY['caseworker', 'board_member', 'accountant', 'admin']::TEXT[]
    ),
    language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ko')),
    active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Bearer tokens for programs. Only a SHA-256 of the token is kept.
CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    token_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Browser sessions: the signed cookie carries a random token whose SHA-256 is here,
-- with the CSRF token every unsafe request of that session must present.
CREATE TABLE sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    token_hash BYTEA NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Secrets the service generates for itself on first start (the cookie signing key).
CREATE TABLE app_secrets (
    name TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

-- Every write: who, when, what, and what changed. Written in the same transaction as
-- the change; never updated or deleted.
CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL CHECK (action ~ '^[a-z_]+$'),
    entity_type TEXT NOT NULL CHECK (entity_type ~ '^[a-z_]+$'),
    entity_id BIGINT,
    changes JSONB NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id);

-- Every read of a person's record: who and when.
CREATE TABLE access_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    user_id BIGINT NOT NULL REFERENCES users (id),
    entity_type TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('api', 'web'))
);
CREATE INDEX access_log_entity ON access_log (entity_type, entity_id, id);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, access_log FROM grant_tracker_app;
-- Sites are reference data managed by migrations for now.
REVOKE INSERT, UPDATE, DELETE ON sites FROM grant_tracker_app;
