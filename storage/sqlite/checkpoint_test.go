package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
)

// TestCheckpointsBesideTheWriter checks sqlstore's checkpointer: the
// writer never checkpoints (wal_autocheckpoint(0)), so without the
// checkpointer nothing would reach the database file before Close and the
// log would hold every commit. Under 16 concurrent writers, which leave a
// passive checkpoint no gap in which it could finish, the log must stay
// within its bound (the checkpoint on the writer restarts it), and the
// commits must reach the database file while the store is open.
func TestCheckpointsBesideTheWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "roster.db")
	s, org := sqlitetest.At(t, path)
	dir, _ := sqlitetest.Directory(t, s, org, "Entra")
	scope := roster.DirectoryScope{OrgID: org.ID, DirectoryID: dir.ID}
	size := func(name string) int64 {
		fi, err := os.Stat(name)
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	const frame = 4096 + 24            // a page and its frame header
	time.Sleep(300 * time.Millisecond) // the setup's checkpoint
	before := size(path)

	// The log's largest size, sampled while the writers run.
	var largest atomic.Int64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			largest.Store(max(largest.Load(), size(path+"-wal")))
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	var written atomic.Int64
	for w := range 16 {
		wg.Go(func() {
			for i := range 80 {
				u := newUser(t, fmt.Sprintf("w%02d-u%03d@example.com", w, i), fmt.Sprintf("Person %d %d", w, i))
				if err := s.CreateUser(ctx, scope, u); err != nil {
					t.Error(err)
					return
				}
				written.Add(1)
			}
		})
	}
	wg.Wait()
	close(done)
	<-sampled
	if written.Load() != 16*80 {
		t.Fatalf("%d users written, want %d", written.Load(), 16*80)
	}

	// The bound, and what the writers add to the log in the checkpoint
	// cycle in which the checkpointer finds it over the bound (about half
	// the bound again here, with each commit holding a few writes).
	// Without the checkpoint on the writer, the log would hold all of the
	// about 19,000 frames the writers write.
	bound := int64(3*sqlite.Dialect().CheckpointFrames) * frame
	if largest.Load() > bound {
		t.Errorf("the log grew to %d frames, want at most %d", largest.Load()/frame, bound/frame)
	}
	// The last commits reach the database file within a few checkpoints.
	deadline := time.Now().Add(5 * time.Second)
	for size(path) <= before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if size(path) <= before {
		t.Errorf("the database file stayed at %d bytes while %d users were written: nothing was checkpointed", before, written.Load())
	}
	t.Logf("the log's largest size: %d frames", largest.Load()/frame)
	if largest.Load() == 0 {
		t.Error("the log was never seen: the database is not in WAL mode")
	}
}
