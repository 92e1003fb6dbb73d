package adminapi

import (
	"net/http"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/tokens"
)

// Directories and their tokens, for scripts that provision Roster itself:
// the same use cases (directories, tokens) as the console and the
// command line, so a token made here obeys their lifetime and rotation
// rules. A token's secret is in the response that creates it and nowhere
// else.

// directoryJSON is a directory as the API shows it.
func (s *Server) directoryJSON(d *roster.Directory) map[string]any {
	return map[string]any{"id": d.ID, "orgId": d.OrgID, "name": d.Name, "created": jsonTime(d.Created),
		"baseUrl": urls.DirectoryBase(s.public, d.ID), "strict": d.Strict}
}

// updateDirectory changes a directory's settings: {"strict": true|false}.
func (s *Server) updateDirectory(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct{ Strict *bool }
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.Strict == nil {
		return roster.Invalidf("", `give the settings to change: {"strict": true} or {"strict": false}`)
	}
	d, err := s.uc.Directories.SetStrict(r.Context(), c.org, r.PathValue("dir"), *body.Strict)
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, s.directoryJSON(d))
}

// tokenJSON is a token without its secret.
func tokenJSON(t *roster.Token, now time.Time) map[string]any {
	out := map[string]any{"id": t.ID, "directoryId": t.DirectoryID, "name": t.Name, "prefix": t.Prefix,
		"status": t.Status(now), "retiring": t.Retiring(now), "created": jsonTime(t.Created),
		"expires": jsonTime(t.Expires), "lastUsed": jsonTime(t.LastUsed), "revoked": jsonTime(t.Revoked)}
	if t.ReplacedBy != "" {
		out["replacedBy"] = t.ReplacedBy
	}
	return out
}

func (s *Server) listDirectories(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := s.store.ListDirectories(r.Context(), c.org)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for i := range list {
		out = append(out, s.directoryJSON(&list[i]))
	}
	return write(w, http.StatusOK, map[string]any{"directories": out})
}

func (s *Server) createDirectory(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct{ Name, Expires string }
	if err := decode(w, r, &body); err != nil {
		return err
	}
	lifetime, err := tokens.ParseLifetime(body.Expires)
	if err != nil {
		return err
	}
	d, err := s.uc.Directories.Create(r.Context(), c.org, body.Name, lifetime)
	if err != nil {
		return err
	}
	out := s.directoryJSON(&d.Directory)
	out["token"] = s.secretJSON(&d.Created)
	return writeSecret(w, http.StatusCreated, out)
}

// secretJSON is a new token with its secret: shown this once.
func (s *Server) secretJSON(c *tokens.Created) map[string]any {
	out := tokenJSON(&c.Token, s.now())
	out["secret"] = c.Secret
	return out
}

// writeSecret writes a response that holds a secret, which no cache may
// keep.
func writeSecret(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Cache-Control", "no-store")
	return write(w, status, v)
}

func (s *Server) directory(r *http.Request, c *call) (*roster.Directory, error) {
	return s.store.GetDirectory(r.Context(), c.org, r.PathValue("dir"))
}

// deleteDirectory deletes a directory with its users, groups and tokens:
// ?confirm= must be its name, as the console and the command line ask,
// because nothing brings the users back.
func (s *Server) deleteDirectory(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.directory(r, c)
	if err != nil {
		return err
	}
	res, err := s.uc.Directories.Delete(r.Context(), d, r.URL.Query().Get("confirm"))
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, map[string]any{"id": d.ID, "name": d.Name, "deleted": true, "users": res.Users, "groups": res.Groups})
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.directory(r, c)
	if err != nil {
		return err
	}
	list, err := s.store.ListTokens(r.Context(), c.org, d.ID)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for i := range list {
		out = append(out, tokenJSON(&list[i], s.now()))
	}
	return write(w, http.StatusOK, map[string]any{"tokens": out})
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct{ Name, Expires string }
	if err := decode(w, r, &body); err != nil {
		return err
	}
	d, err := s.directory(r, c)
	if err != nil {
		return err
	}
	lifetime, err := tokens.ParseLifetime(body.Expires)
	if err != nil {
		return err
	}
	created, err := s.uc.Tokens.Create(r.Context(), d, body.Name, lifetime)
	if err != nil {
		return err
	}
	return writeSecret(w, http.StatusCreated, s.secretJSON(created))
}

func (s *Server) rotateToken(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct{ Grace, Expires string }
	if r.ContentLength != 0 {
		if err := decode(w, r, &body); err != nil {
			return err
		}
	}
	d, err := s.directory(r, c)
	if err != nil {
		return err
	}
	grace, err := tokens.ParseGrace(body.Grace)
	if err != nil {
		return err
	}
	rot := tokens.Rotation{Grace: grace}
	if body.Expires != "" {
		lifetime, err := tokens.ParseLifetime(body.Expires)
		if err != nil {
			return err
		}
		rot.Lifetime = &lifetime
	}
	list, err := s.store.ListTokens(r.Context(), c.org, d.ID)
	if err != nil {
		return err
	}
	old, err := tokens.Find(list, r.PathValue("token"), s.now())
	if err != nil {
		return err
	}
	rotated, err := s.uc.Tokens.Rotate(r.Context(), d, old, rot)
	if err != nil {
		return err
	}
	out := s.secretJSON(&rotated.Created)
	out["replaced"] = tokenJSON(&rotated.Replaced, s.now())
	return writeSecret(w, http.StatusCreated, out)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.directory(r, c)
	if err != nil {
		return err
	}
	if err := s.uc.Tokens.Revoke(r.Context(), d, r.PathValue("token")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
