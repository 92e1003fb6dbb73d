package auth

import (
	"sync"

	"github.com/rosterhq/roster"
)

// tokenCache holds the tokens this node verified, by scope and the
// SHA-256 of the secret (the stored hash; the secret itself is never
// kept), each with the authentication generation read before it was
// verified. An entry is good only while the store's generation is the
// same: every revocation, rotation or directory deletion bumps it, so a
// cached token outlives such a change by at most
// roster.AuthGenerationMaxAge on other nodes, and not at all on the node
// that made it.
//
// Directory tokens (roster.Token, keyed by directory) are cached revoked
// and expired too: they stay so, and an identity provider that keeps
// sending one costs no read either. Admin tokens (roster.AdminToken,
// keyed by organization in cacheKey.dir) get in only when they worked as
// read (find refuses the others), so an entry's kind and status are
// checked again on each use.
//
// Hand-written rather than taken from a cache library: entries are
// invalidated by the generation, not by time or size, and the map is
// small (one entry per token in use).
type tokenCache[T any] struct {
	mu      sync.RWMutex
	entries map[cacheKey]cachedToken[T]
}

type cacheKey struct {
	dir  string
	hash [32]byte
}

type cachedToken[T any] struct {
	tok T
	gen int64
}

// maxCachedTokens bounds the cache: past it, it starts again empty. Only
// verified tokens get in, so reaching it takes that many real tokens in
// use at once.
const maxCachedTokens = 10_000

// get returns the token cached under k if it was verified at generation gen.
func (c *tokenCache[T]) get(k cacheKey, gen int64) (T, bool) {
	c.mu.RLock()
	e, ok := c.entries[k]
	c.mu.RUnlock()
	if !ok || e.gen != gen {
		var zero T
		return zero, false
	}
	return e.tok, true
}

// put caches tok, verified at generation gen, under k.
func (c *tokenCache[T]) put(k cacheKey, tok T, gen int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedTokens {
		c.entries = make(map[cacheKey]cachedToken[T])
	}
	c.entries[k] = cachedToken[T]{tok: tok, gen: gen}
}

// The two caches an Authenticator keeps.
type (
	directoryTokenCache = tokenCache[roster.Token]
	adminTokenCache     = tokenCache[roster.AdminToken]
)
