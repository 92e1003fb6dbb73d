package check

import (
	"context"
	"net/http"
	"net/url"
)

// The steps both identity providers take, with the verdicts they share;
// entra.go, okta.go and rfc.go put them in each one's order and dialect.

const (
	filterFix = `apply the filter: userName eq "..." must return only the user of that userName (compared case-insensitively), and displayName eq "..." only the group of that name`
	idFix     = `answer 201 Created with the whole resource, including the "id" the server gave it (RFC 7644 §3.3)`
)

// lookupEmpty is a lookup of a name no one has: a 200 empty ListResponse.
func lookupEmpty(x response) *finding {
	if f := expect(x, http.StatusOK); f != nil {
		return f
	}
	n, res := total(x.obj), list(x.obj, "Resources")
	if n > 0 || len(res) > 0 {
		return problem("the list is not empty (totalResults %d, %d resources) for a name no one has: the server ignores the filter", n, len(res)).withFix(filterFix)
	}
	if n < 0 {
		return problem("the answer has no totalResults: it is not a SCIM ListResponse").
			withFix(`answer {"schemas":["` + listResponse + `"],"totalResults":0,"Resources":[]} (RFC 7644 §3.4.2)`)
	}
	return nil
}

// lookupOne is a lookup of what was just created: exactly that resource.
func lookupOne(x response, id string) *finding {
	if f := expect(x, http.StatusOK); f != nil {
		return f
	}
	res := list(x.obj, "Resources")
	switch {
	case len(res) == 0:
		return problem("the list is empty: the filter does not find what was created a moment ago").withFix(filterFix)
	case len(res) > 1 || total(x.obj) > 1:
		return problem("%d resources for one name: the server ignores the filter (or matches more than the name)", max(len(res), total(x.obj))).withFix(filterFix)
	case str(res[0], "id") != id:
		return problem("found another resource (id %q, not the %q created)", str(res[0], "id"), id).withFix(filterFix)
	}
	return nil
}

// create POSTs a resource and tracks it for cleanup; it returns its id.
func (r *runner) create(ctx context.Context, s *Step, typ, name string, body map[string]any) (string, *finding) {
	x := r.send(ctx, s, http.MethodPost, "/"+typ, body)
	if f := expect(x, http.StatusCreated, http.StatusOK); f != nil {
		return "", f
	}
	id := str(x.obj, "id")
	r.track(typ, id, name)
	if id == "" {
		return "", problem("answered %d without an \"id\"", x.status).withFix(idFix)
	}
	if x.status != http.StatusCreated {
		return id, problem("answered %d; RFC 7644 §3.3 says 201 Created", x.status).withFix(idFix).asWarning()
	}
	return id, nil
}

// fetch GETs a resource by id.
func (r *runner) fetch(ctx context.Context, s *Step, typ, id string, query string) (map[string]any, *finding) {
	x := r.send(ctx, s, http.MethodGet, "/"+typ+"/"+url.PathEscape(id)+query, nil)
	if f := expect(x, http.StatusOK); f != nil {
		return nil, f
	}
	return x.obj, nil
}

// patch sends a PatchOp; the answer is 200 with the resource or 204.
func (r *runner) patch(ctx context.Context, s *Step, typ, id string, ops ...map[string]any) *finding {
	body := map[string]any{"schemas": []string{patchOp}, "Operations": ops}
	x := r.send(ctx, s, http.MethodPatch, "/"+typ+"/"+url.PathEscape(id), body)
	return expect(x, http.StatusOK, http.StatusNoContent)
}

// remove DELETEs a resource and checks it is gone.
func (r *runner) remove(ctx context.Context, s *Step, typ, id string) *finding {
	x := r.send(ctx, s, http.MethodDelete, "/"+typ+"/"+url.PathEscape(id), nil)
	if f := expect(x, http.StatusNoContent, http.StatusOK); f != nil {
		return f
	}
	y := r.send(ctx, s, http.MethodGet, "/"+typ+"/"+url.PathEscape(id), nil)
	if y.err == nil && y.status == http.StatusOK {
		return problem("the DELETE answered %d but the resource is still there", x.status).withFix("delete the resource, or answer with an error when it cannot be deleted")
	}
	if y.err == nil && y.status == http.StatusNotFound {
		r.untrack(typ, id)
	}
	return nil
}

func op(o, path string, value any) map[string]any {
	m := map[string]any{"op": o}
	if path != "" {
		m["path"] = path
	}
	if value != nil {
		m["value"] = value
	}
	return m
}
