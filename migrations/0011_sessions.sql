-- Sessions of the web map (issue 16): a cookie's token is kept only as its BLAKE2b digest, with its login and
-- its server-side expiry; removing or disabling the user ends its sessions (checked on every request).
CREATE TABLE thuadat.session (
    token_digest bytea PRIMARY KEY,
    login text NOT NULL REFERENCES thuadat.app_user (login) ON DELETE CASCADE,
    address text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX session_expires ON thuadat.session (expires_at);
