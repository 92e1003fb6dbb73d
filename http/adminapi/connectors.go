package adminapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/connectors"
)

// Connectors: the connectors use case, as the command line calls it. The
// application's token goes in on create (or PATCH token) and never comes
// back out.

func (s *Server) listConnectors(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := s.uc.Connectors.List(r.Context(), c.org)
	if err != nil {
		return err
	}
	out := []connectors.View{}
	for i := range list {
		out = append(out, connectors.ViewOf(&list[i]))
	}
	return write(w, http.StatusOK, map[string]any{"connectors": out})
}

func (s *Server) createConnector(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct {
		Product   string `json:"product"`
		URL       string `json:"url"`
		Token     string `json:"token"`
		Name      string `json:"name"`
		Groups    bool   `json:"groups"`
		OnRevoke  string `json:"onRevoke"`
		DryRun    bool   `json:"dryRun"`
		Force     bool   `json:"force"`
		RateLimit *int   `json:"rateLimit"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	conn, rep, err := s.uc.Connectors.Create(r.Context(), connectors.CreateRequest{OrgID: c.org, Product: body.Product, URL: body.URL, Token: body.Token,
		Name: body.Name, Groups: body.Groups, OnRevoke: body.OnRevoke, DryRun: body.DryRun, Force: body.Force, RateLimit: body.RateLimit})
	if err != nil {
		return err
	}
	return write(w, http.StatusCreated, map[string]any{"id": conn.ID, "connector": connectors.ViewOf(conn), "check": rep})
}

func (s *Server) getConnector(w http.ResponseWriter, r *http.Request, c *call) error {
	conn, err := s.uc.Connectors.Get(r.Context(), c.org, r.PathValue("connector"))
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, connectors.ViewOf(conn))
}

func (s *Server) updateConnector(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct {
		Name      *string `json:"name"`
		URL       *string `json:"url"`
		Token     *string `json:"token"`
		OnRevoke  *string `json:"onRevoke"`
		DryRun    *bool   `json:"dryRun"`
		Paused    *bool   `json:"paused"`
		RateLimit *int    `json:"rateLimit"`
		Groups    *bool   `json:"groups"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	id := r.PathValue("connector")
	if body.Token != nil {
		if _, err := s.uc.Connectors.ReplaceToken(r.Context(), c.org, id, *body.Token); err != nil {
			return err
		}
	}
	conn, err := s.uc.Connectors.Update(r.Context(), c.org, id, connectors.UpdateRequest{Name: body.Name, URL: body.URL, OnRevoke: body.OnRevoke,
		DryRun: body.DryRun, Paused: body.Paused, RateLimit: body.RateLimit, Groups: body.Groups})
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, connectors.ViewOf(conn))
}

func (s *Server) pauseConnector(paused bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		conn, err := s.uc.Connectors.Pause(r.Context(), c.org, r.PathValue("connector"), paused)
		if err != nil {
			return err
		}
		return write(w, http.StatusOK, connectors.ViewOf(conn))
	}
}

func (s *Server) deleteConnector(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.uc.Connectors.Delete(r.Context(), c.org, r.PathValue("connector")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// syncConnector is POST .../sync: a full pass started in the background,
// answered 202 Accepted with the connector (syncPending true) and a
// Location to poll, its health, which says when the pass ended and how
// (a pass can take minutes; a client should not hold a request that
// long). With ?wait=true the pass runs within the request and the answer
// is its result, as `roster connector sync` prints it. With preview (GET
// .../preview), a pass that writes nothing, always within the request.
func (s *Server) syncConnector(preview bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		id := r.PathValue("connector")
		wait := preview
		if v := r.URL.Query().Get("wait"); v != "" && !preview {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return roster.E(roster.ReasonInvalidValue, "wait is true or false, not %q", v)
			}
			wait = b
		}
		if !wait {
			conn, err := s.uc.Connectors.StartSync(r.Context(), c.org, id)
			if err != nil {
				return err
			}
			w.Header().Set("Location", "/api/v1/orgs/"+url.PathEscape(c.org)+"/connectors/"+url.PathEscape(conn.ID))
			return write(w, http.StatusAccepted, connectors.ViewOf(conn))
		}
		run := s.uc.Connectors.Sync
		if preview {
			run = s.uc.Connectors.Preview
		}
		res, err := run(r.Context(), c.org, id)
		if err != nil {
			return err
		}
		return write(w, http.StatusOK, res)
	}
}

// resendConnector pushes again, within the request, what failed requests
// were about: {"users": ["ID", …], "groups": true}; the answer is the
// pass's result.
func (s *Server) resendConnector(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct {
		Users  []string `json:"users"`
		Groups bool     `json:"groups"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	res, err := s.uc.Connectors.Resend(r.Context(), c.org, r.PathValue("connector"), body.Users, body.Groups)
	if err != nil {
		return err
	}
	return write(w, http.StatusOK, res)
}

func (s *Server) listConnectorDeliveries(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, err := intParam(r, "limit", 0, 1000) // 0: the use case's default
	if err != nil {
		return err
	}
	failed := r.URL.Query().Get("failed") == "true"
	ds, err := s.uc.Connectors.Deliveries(r.Context(), c.org, r.PathValue("connector"), failed, limit)
	if err != nil {
		return err
	}
	out := []connectors.DeliveryView{}
	for i := range ds {
		out = append(out, connectors.DeliveryViewOf(&ds[i]))
	}
	return write(w, http.StatusOK, map[string]any{"deliveries": out})
}
