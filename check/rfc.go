package check

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
)

// rfc checks what RFC 7644 requires of every server and generic clients
// rely on: the discovery endpoints, error bodies, and versions (ETags)
// when the server advertises them. A step here is needed when the RFC
// says MUST or SHALL.
func (r *runner) rfc(ctx context.Context) {
	var etags bool
	r.step("ServiceProviderConfig", true, "Clients that read it (and people setting up a client) cannot tell what the server supports; RFC 7644 §4 requires it.", func(s *Step) *finding {
		x := r.send(ctx, s, http.MethodGet, "/ServiceProviderConfig", nil)
		if f := expect(x, http.StatusOK); f != nil {
			if x.err == nil && x.status == http.StatusNotFound {
				f.withFix("serve GET /ServiceProviderConfig (RFC 7644 §4, RFC 7643 §5)")
			}
			return f
		}
		if !hasSchema(x.obj, spcSchema) {
			return problem("the answer does not name the schema %s", spcSchema).withFix(`add "schemas":["` + spcSchema + `"]`)
		}
		etags = get(x.obj, "etag", "supported") == true
		if get(x.obj, "patch", "supported") != true {
			return problem("patch.supported is not true, yet Entra and Okta update with PATCH").
				withFix("support PATCH (RFC 7644 §3.5.2) and say so").withConsequence("Entra and Okta send PATCH regardless; a server without it fails every update.")
		}
		return nil
	})

	r.step("Schemas", true, "Clients cannot discover the attributes; Entra's attribute-mapping editor and generic clients read them. RFC 7644 §4 requires it.", func(s *Step) *finding {
		x := r.send(ctx, s, http.MethodGet, "/Schemas", nil)
		if f := expect(x, http.StatusOK); f != nil {
			return f
		}
		for _, res := range list(x.obj, "Resources") {
			if str(res, "id") == userSchema {
				return nil
			}
		}
		return problem("the list has no schema with id %s", userSchema).withFix("list every schema the server supports, the core User schema among them (RFC 7643 §7)")
	})

	r.step("ResourceTypes", true, "Clients cannot discover the endpoints; RFC 7644 §4 requires it.", func(s *Step) *finding {
		x := r.send(ctx, s, http.MethodGet, "/ResourceTypes", nil)
		if f := expect(x, http.StatusOK); f != nil {
			return f
		}
		have := map[string]bool{}
		for _, res := range list(x.obj, "Resources") {
			have[str(res, "name")] = true
		}
		if !have["User"] || !have["Group"] {
			return problem("the list does not name both User and Group resource types").withFix("list a ResourceType per endpoint (RFC 7643 §6)")
		}
		return nil
	})

	r.step("A missing user is a 404 with a SCIM error", true, "Entra and Okta read the status: a 200 makes them believe a deleted user still exists, a 5xx makes them retry for ever; Entra treats a 404 on an update or delete as 'already gone'.", func(s *Step) *finding {
		x := r.send(ctx, s, http.MethodGet, "/Users/"+uuid.NewString(), nil)
		if f := expect(x, http.StatusNotFound); f != nil {
			return f
		}
		if !hasSchema(x.obj, errorSchema) || str(x.obj, "status") != "404" {
			return problem(`the body is not a SCIM error: want "schemas":["%s"] and "status":"404" (a string)`, errorSchema).
				withFix("answer errors with a SCIM error body (RFC 7644 §3.12)")
		}
		return nil
	})

	const etagStep = "ETags: ETag header and If-Match"
	if !etags {
		r.skip(etagStep, false, "ServiceProviderConfig does not advertise etag.supported (or could not be read)")
		return
	}
	r.step(etagStep, true, "The server advertises ETags but does not honour them: a client that sends If-Match overwrites changes it never saw.", func(s *Step) *finding {
		name := r.name("user") + "@example.com"
		id, f := r.create(ctx, s, "Users", name, map[string]any{"schemas": []string{userSchema}, "userName": name, "active": true})
		if id == "" {
			return f
		}
		x := r.send(ctx, s, http.MethodGet, "/Users/"+url.PathEscape(id), nil)
		if f := expect(x, http.StatusOK); f != nil {
			return f
		}
		etag := x.header.Get("ETag")
		if etag == "" {
			return problem("GET of a resource has no ETag header").withFix("send the resource's version as an ETag header (RFC 7644 §3.14)")
		}
		if v := str(x.obj, "meta", "version"); v != "" && v != etag {
			return problem("the ETag header %s is not meta.version %s", etag, v).withFix("send the same version in both (RFC 7644 §3.14)")
		}
		stale := `W/"roster-check-stale"`
		if strings.HasPrefix(etag, `W/"roster-check-stale`) {
			stale = `W/"roster-check-other"`
		}
		body := map[string]any{"schemas": []string{patchOp}, "Operations": []any{op("replace", "displayName", "stale")}}
		y := r.send(ctx, s, http.MethodPatch, "/Users/"+url.PathEscape(id), body, "If-Match", stale)
		if f := expect(y, http.StatusPreconditionFailed); f != nil {
			return f.withFix("refuse a write whose If-Match does not match the current version with 412 Precondition Failed (RFC 7644 §3.14)")
		}
		z := r.send(ctx, s, http.MethodPatch, "/Users/"+url.PathEscape(id), body, "If-Match", etag)
		if f := expect(z, http.StatusOK, http.StatusNoContent); f != nil {
			return f.withFix("accept a write whose If-Match is the current ETag")
		}
		return nil
	})
}
