package roster

import "context"

// Keys keeps the secret keys every node of one Roster shares, which belong
// to no organization: the console signs what it hands browsers before a
// session exists (CSRF cookies, the choice of organization at sign-in) with
// one, so that any node accepts what another minted.
type Keys interface {
	// GetOrCreateKey returns the key named name. The first call anywhere
	// stores fresh as that key; every later call, on any node, returns the
	// stored one (fresh is then unused).
	GetOrCreateKey(ctx context.Context, name string, fresh []byte) ([]byte, error)
}
