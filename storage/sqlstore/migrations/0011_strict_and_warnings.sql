-- Issue 13, "accept and say what was ignored": by default a directory drops
-- the attributes of a POST or PUT that Roster does not know and the request
-- log says which (warning); a strict directory refuses them with 400, as
-- every directory did before.
ALTER TABLE directories ADD COLUMN strict {{bool}} NOT NULL DEFAULT FALSE;
ALTER TABLE request_log ADD COLUMN warning TEXT NOT NULL DEFAULT '';
