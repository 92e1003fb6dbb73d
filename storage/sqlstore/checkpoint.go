package sqlstore

// SQLite's checkpoints, run beside the writer.
//
// In WAL mode a commit appends its pages to the write-ahead log, and a
// checkpoint copies them back into the database file. By default SQLite
// checkpoints inside the commit that takes the log past 1,000 pages, on the
// committing connection: on Roster's one writer connection, every write
// queued behind it waits for the copy and its fsyncs: 7% of the server's
// CPU in a profile of creates, and every fsync wait, on the writer's path
// (docs/benchmarks.md, "Checkpoints beside the writer").
//
// So SQLite's writer is opened with wal_autocheckpoint(0), and the store
// checkpoints instead: after a commit, at most every checkpointEvery, a
// PASSIVE checkpoint on a reader connection copies what the log holds
// while writers carry on (it neither waits for them nor blocks them). A
// passive checkpoint never finishes while writes keep coming, though, and
// the log starts again from its beginning only after one that did: so
// once the log holds Dialect.CheckpointFrames frames, the checkpoint runs
// on the writer's connection instead, between two commits, where nothing
// can append to the log; it copies only what the last passive one left,
// and the next commit starts the log afresh. That bounds the log as
// SQLite's own checkpoints did.
//
// Durability is unchanged: a commit is in the log before it is
// acknowledged, and the log is what survives a crash (a checkpoint only
// moves pages that are already safe). A failed checkpoint loses nothing
// either; the next one copies what it did not.

import (
	"context"
	"sync"
	"time"
)

// checkpointEvery is how often, at most, a checkpoint runs while writes
// come in: often enough that the log stays a few megabytes under any load,
// seldom enough that a page written by many commits is copied once.
const checkpointEvery = 100 * time.Millisecond

type checkpointer struct {
	s      *Store
	wake   chan struct{} // a commit happened; one pending wake is enough
	stop   chan struct{}
	closed sync.WaitGroup
}

func newCheckpointer(s *Store) *checkpointer {
	c := &checkpointer{s: s, wake: make(chan struct{}, 1), stop: make(chan struct{})}
	c.closed.Add(1)
	go c.loop()
	return c
}

// committed tells the checkpointer that the log has grown. It never
// waits: the writer must not.
func (c *checkpointer) committed() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop() {
	defer c.closed.Done()
	pause := time.NewTimer(0)
	<-pause.C
	for {
		select {
		case <-c.wake:
		case <-c.stop:
			return
		}
		began := time.Now()
		c.checkpoint()
		// The commits of the rest of checkpointEvery wait for the next
		// checkpoint, so that pages they share are copied once.
		pause.Reset(checkpointEvery - time.Since(began))
		select {
		case <-pause.C:
		case <-c.stop:
			return
		}
	}
}

// checkpoint runs one passive checkpoint beside the writer, and one on the
// writer when the log has grown past its bound.
func (c *checkpointer) checkpoint() {
	ctx := context.Background()
	var busy, frames, copied int
	// Errors are dropped on purpose: a checkpoint that fails (the
	// database is closing, another process holds the checkpoint lock)
	// leaves the log as it was, and the next one starts over.
	if err := c.s.read.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		return
	}
	if frames >= c.s.d.CheckpointFrames {
		c.s.write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
	}
}

func (c *checkpointer) close() {
	close(c.stop)
	c.closed.Wait()
}
