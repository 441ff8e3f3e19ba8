-- Users of a team server (issue 16): a login, a role, a scope and an Argon2id password hash (PHC string).
-- Logins, failed logins and user changes go to the audit log of 0002, which now keeps the client's address.
CREATE TABLE thuadat.app_user (
    login text PRIMARY KEY CHECK (login ~ '^[a-z0-9._-]{1,64}$'),
    role text NOT NULL CHECK (role IN ('admin', 'officer', 'field', 'viewer')),
    password_hash text NOT NULL,
    -- Residential groups of a field user; communes of an officer (none: all).
    groups text[] NOT NULL DEFAULT '{}',
    communes text[] NOT NULL DEFAULT '{}',
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    changed_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE thuadat.audit_log ADD COLUMN address text;
