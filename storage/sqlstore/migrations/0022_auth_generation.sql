-- One counter that every change able to make a working directory token
-- stop working bumps in its own transaction: a token revoked, a rotation
-- (which shortens the old token's life), a directory deleted with its
-- tokens, a directory's settings changed (strict mode). Nodes keep the tokens they verified in memory, tagged with the
-- counter they read before verifying, and compare this one row, read at
-- most every roster.AuthGenerationMaxAge, instead of reading the token on
-- every request (issue 16).
CREATE TABLE auth_generation (
    id INTEGER PRIMARY KEY,
    n  {{int64}} NOT NULL
);
INSERT INTO auth_generation (id, n) VALUES (1, 0);
