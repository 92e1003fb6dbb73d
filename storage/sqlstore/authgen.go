package sqlstore

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster"
)

// The authentication generation (migration 0022): one row that every
// change able to make a working token stop working bumps in its
// transaction, so that package auth can keep the tokens it verified in
// memory and ask this cheap question instead of reading the token on every
// request. The store answers it from memory for up to
// roster.AuthGenerationMaxAge, which bounds how late a node learns of
// another node's revocation; a bump made through this store forgets the
// remembered value once it has committed, so this node learns at once.

// authGen is the remembered generation.
type authGen struct {
	cur atomic.Pointer[genReading]
	// epoch counts the bumps this store committed: a reading that began
	// before one must not be remembered after it, or it would bring back
	// the generation the bump replaced.
	epoch atomic.Int64
	mu    sync.Mutex // one reader of the row at a time
}

type genReading struct {
	n  int64
	at time.Time // monotonic: the store's clock is for stored times only
}

// AuthGeneration implements roster.DirectoryAuth.
func (s *Store) AuthGeneration(ctx context.Context) (int64, error) {
	if r := s.gen.cur.Load(); r != nil && time.Since(r.at) < roster.AuthGenerationMaxAge {
		return r.n, nil
	}
	s.gen.mu.Lock()
	defer s.gen.mu.Unlock()
	if r := s.gen.cur.Load(); r != nil && time.Since(r.at) < roster.AuthGenerationMaxAge {
		return r.n, nil // another request read it meanwhile
	}
	epoch, at := s.gen.epoch.Load(), time.Now()
	var n int64
	if err := s.readRow(ctx, `SELECT n FROM auth_generation WHERE id = 1`).Scan(&n); err != nil {
		return 0, err
	}
	if s.gen.epoch.Load() == epoch {
		s.gen.cur.Store(&genReading{n: n, at: at})
	}
	return n, nil
}

// bumpAuthGeneration bumps the generation inside t. The caller calls
// s.authChanged once t has committed.
func (s *Store) bumpAuthGeneration(ctx context.Context, t *tx) error {
	_, err := t.exec(ctx, `UPDATE auth_generation SET n = n + 1 WHERE id = 1`)
	return err
}

// authChanged forgets the remembered generation after a bump committed
// (or may have: forgetting costs one read).
func (s *Store) authChanged() {
	s.gen.epoch.Add(1)
	s.gen.cur.Store(nil)
}
