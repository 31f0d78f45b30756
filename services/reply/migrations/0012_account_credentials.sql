-- Credentials that renew (docs/platforms.md, "How tokens are renewed").
-- An account connected through OAuth 2.0 (X with PKCE, YouTube through
-- Google) keeps its tokens here, sealed with ChaCha20-Poly1305 under the key
-- in TVARIT_CREDENTIALS_KEY_FILE: `sealed` is version, nonce and ciphertext,
-- bound to the account and platform, so a row copied onto another account
-- does not open. A renewal locks the row, calls the token endpoint and
-- commits the rotated refresh token before the new access token is used.
CREATE TABLE account_credentials (
    account          text        PRIMARY KEY,  -- lower-case handle with its @
    handle           text        NOT NULL,     -- as registered, for people
    platform         text        NOT NULL,     -- x | youtube
    sealed           bytea       NOT NULL,
    renewable        boolean     NOT NULL,     -- holds a refresh token
    expires_at       timestamptz,              -- the access token's end
    scope            text        NOT NULL DEFAULT '',
    status           text        NOT NULL DEFAULT 'ok',  -- ok | reconnect_needed
    generation       bigint      NOT NULL DEFAULT 1,     -- +1 on every store
    connected_at     timestamptz NOT NULL DEFAULT now(),
    last_refresh_at  timestamptz,
    last_error       text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- A consent in progress: the PKCE verifier (sealed) between printing the
-- consent address and receiving the code, so the code may come in a later
-- `accounts connect … --code`.
CREATE TABLE account_authorizations (
    state            text        PRIMARY KEY,
    account          text        NOT NULL,
    platform         text        NOT NULL,
    redirect_uri     text        NOT NULL,
    sealed_verifier  bytea       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- What Meta last said about each Page token (debug_token), and the last
-- alert raised for it, so a state is alerted once rather than at every check.
CREATE TABLE account_checks (
    account          text        PRIMARY KEY,
    platform         text        NOT NULL,
    is_valid         boolean     NOT NULL,
    expires_at       timestamptz,
    checked_at       timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    alerted          text        NOT NULL DEFAULT ''
);

-- Alerts about an account (event `account`) belong to no case.
ALTER TABLE alerts ALTER COLUMN case_id DROP NOT NULL, ALTER COLUMN docket SET DEFAULT '';
