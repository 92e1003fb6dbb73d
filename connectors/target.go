package connectors

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// capabilities is what a pass needs to know of its target beyond the
// base URL: whether it takes PATCH (ServiceProviderConfig) and whether it
// keeps the enterprise User extension (/Schemas, or /ResourceTypes'
// schemaExtensions).
type capabilities struct {
	patch      bool
	enterprise bool
	read       time.Time
	base       string // the URL they were read from: a new URL reads again
}

// CapabilitiesTTL is how long a connector's target capabilities are
// trusted before a pass reads them again.
var CapabilitiesTTL = time.Hour

// capabilityCache keeps each connector's target capabilities, so that a
// pass after one user's change does not begin with two or three requests
// that tell it what the last one already learned: they are read at most
// once per CapabilitiesTTL per connector and node, and forgotten sooner
// when the target answers a write in a way that suggests they changed
// (see suggestsChange). A cache per node rather than in the store: the
// answers are cheap to read again and would only go stale there.
type capabilityCache struct {
	mu sync.Mutex
	m  map[string]*capabilities // by connector ID
}

func (cc *capabilityCache) get(id, base string, now time.Time) *capabilities {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	c := cc.m[id]
	if c == nil || c.base != base || now.Sub(c.read) >= CapabilitiesTTL {
		return nil
	}
	return c
}

func (cc *capabilityCache) put(id string, c *capabilities) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.m == nil {
		cc.m = map[string]*capabilities{}
	}
	cc.m[id] = c
}

func (cc *capabilityCache) forget(id string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	delete(cc.m, id)
}

// suggestsChange reports whether a write's answer may mean the target's
// capabilities are not what the cache says: PATCH refused (405, 501), or
// a document refused (400: an attribute of the enterprise extension the
// target no longer keeps, say).
func suggestsChange(a *answer) bool {
	return a.err == nil && (a.status == http.StatusBadRequest || a.status == http.StatusMethodNotAllowed || a.status == http.StatusNotImplemented)
}

// capabilities returns the connector's target capabilities, from the
// cache or read now.
func (p *pass) capabilities(ctx context.Context) *capabilities {
	now := p.svc.now()
	if c := p.svc.caps.get(p.conn.ID, p.conn.BaseURL, now); c != nil {
		return c
	}
	c := &capabilities{patch: p.c.supportsPatch(ctx), enterprise: p.c.supportsEnterprise(ctx), read: now, base: p.conn.BaseURL}
	p.svc.caps.put(p.conn.ID, c)
	return c
}

// supportsPatch reads ServiceProviderConfig: false only when the target
// says patch.supported is false (a target that does not say is assumed to
// take PATCH, as Entra and Okta assume).
func (c *client) supportsPatch(ctx context.Context) bool {
	a := c.do(ctx, http.MethodGet, "/ServiceProviderConfig", nil)
	if !a.ok() {
		return true
	}
	p, _ := a.obj["patch"].(map[string]any)
	if s, ok := p["supported"].(bool); ok {
		return s
	}
	return true
}

// supportsEnterprise reports whether the target advertises the enterprise
// User extension: as a schema in /Schemas, or as an extension of the User
// resource type in /ResourceTypes. A target that says neither is not sent
// it: an unknown extension is a 400 at many targets.
func (c *client) supportsEnterprise(ctx context.Context) bool {
	if a := c.do(ctx, http.MethodGet, "/Schemas", nil); a.ok() {
		res, _ := a.obj["Resources"].([]any)
		for _, r := range res {
			if m, _ := r.(map[string]any); m["id"] == enterpriseSchema {
				return true
			}
		}
	}
	if a := c.do(ctx, http.MethodGet, "/ResourceTypes", nil); a.ok() {
		res, _ := a.obj["Resources"].([]any)
		for _, r := range res {
			m, _ := r.(map[string]any)
			if m["name"] != "User" && m["id"] != "User" {
				continue
			}
			exts, _ := m["schemaExtensions"].([]any)
			for _, e := range exts {
				if em, _ := e.(map[string]any); em["schema"] == enterpriseSchema {
					return true
				}
			}
		}
	}
	return false
}
