package auth

import (
	"sync"

	"github.com/rosterhq/roster"
)

// tokenCache holds the directory tokens this node verified, by directory
// and the SHA-256 of the secret (the stored hash; the secret itself is
// never kept), each with the authentication generation read before it was
// verified. An entry is good only while the store's generation is the
// same: every revocation, rotation or directory deletion bumps it, so a
// cached token outlives such a change by at most
// roster.AuthGenerationMaxAge on other nodes, and not at all on the node
// that made it. Revoked and expired tokens are cached too: they stay so,
// and an identity provider that keeps sending one costs no read either.
//
// Hand-written rather than taken from a cache library: entries are
// invalidated by the generation, not by time or size, and the map is
// small (one entry per token in use).
type tokenCache struct {
	mu      sync.RWMutex
	entries map[cacheKey]cachedToken
}

type cacheKey struct {
	dir  string
	hash [32]byte
}

type cachedToken struct {
	tok roster.Token
	gen int64
}

// maxCachedTokens bounds the cache: past it, it starts again empty. Only
// verified tokens get in, so reaching it takes that many real tokens in
// use at once.
const maxCachedTokens = 10_000

// get returns the token cached under k if it was verified at generation gen.
func (c *tokenCache) get(k cacheKey, gen int64) (roster.Token, bool) {
	c.mu.RLock()
	e, ok := c.entries[k]
	c.mu.RUnlock()
	if !ok || e.gen != gen {
		return roster.Token{}, false
	}
	return e.tok, true
}

// put caches tok, verified at generation gen, under k.
func (c *tokenCache) put(k cacheKey, tok roster.Token, gen int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedTokens {
		c.entries = make(map[cacheKey]cachedToken)
	}
	c.entries[k] = cachedToken{tok: tok, gen: gen}
}

// adminTokenCache is tokenCache for admin tokens, keyed by organization
// (in cacheKey.dir) and secret hash. Only tokens that worked when read get
// in (find refuses the others), so an entry's kind and status are
// checked again on each use.
type adminTokenCache struct {
	mu      sync.RWMutex
	entries map[cacheKey]cachedAdminToken
}

type cachedAdminToken struct {
	tok roster.AdminToken
	gen int64
}

func (c *adminTokenCache) get(k cacheKey, gen int64) (roster.AdminToken, bool) {
	c.mu.RLock()
	e, ok := c.entries[k]
	c.mu.RUnlock()
	if !ok || e.gen != gen {
		return roster.AdminToken{}, false
	}
	return e.tok, true
}

func (c *adminTokenCache) put(k cacheKey, tok roster.AdminToken, gen int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxCachedTokens {
		c.entries = make(map[cacheKey]cachedAdminToken)
	}
	c.entries[k] = cachedAdminToken{tok: tok, gen: gen}
}
