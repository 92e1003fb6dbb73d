package sqlstore

import (
	"context"
	"fmt"
	"sync"
)

// Group commit. SQLite has one writer, so concurrent write transactions
// queue for it; each commit then writes its pages to the write-ahead log
// on its own. The batcher instead runs the transactions that are waiting
// together, each inside a savepoint of one transaction, and commits once:
// a failing one is rolled back to its savepoint alone, and nobody is
// answered before the commit that holds their change. A transaction that
// finds the queue empty runs at once, so batching adds no wait.

// maxBatch bounds how many transactions share a commit.
const maxBatch = 64

type writeReq struct {
	ctx  context.Context
	fn   func(*tx) error
	done chan error
}

type batcher struct {
	s      *Store
	queue  chan *writeReq
	stop   chan struct{}
	closed sync.WaitGroup
}

func newBatcher(s *Store) *batcher {
	b := &batcher{s: s, queue: make(chan *writeReq, maxBatch), stop: make(chan struct{})}
	b.closed.Add(1)
	go b.loop()
	return b
}

// run queues fn and waits for the outcome of the commit that holds it.
func (b *batcher) run(ctx context.Context, fn func(*tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case b.queue <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stop:
		return fmt.Errorf("the store is closed")
	}
	return <-req.done // never abandoned: the change may be committing
}

func (b *batcher) loop() {
	defer b.closed.Done()
	for {
		var first *writeReq
		select {
		case first = <-b.queue:
		case <-b.stop:
			return
		}
		batch := []*writeReq{first}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-b.queue:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		b.commit(batch)
	}
}

// commit runs a batch in one transaction.
func (b *batcher) commit(batch []*writeReq) {
	if len(batch) == 1 {
		r := batch[0]
		r.done <- b.s.runTx(r.ctx, b.s.write, nil, r.fn)
		return
	}
	results := make([]error, len(batch))
	err := b.s.runTx(context.Background(), b.s.write, nil, func(t *tx) error {
		for i, r := range batch {
			results[i] = b.inSavepoint(t, r)
		}
		return nil
	})
	for i, r := range batch {
		if results[i] == nil {
			results[i] = err // the commit failed: so did every change in it
		}
		r.done <- results[i]
	}
}

// inSavepoint runs one request's transaction inside the batch's.
func (b *batcher) inSavepoint(t *tx, r *writeReq) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if _, err := t.sql.ExecContext(r.ctx, "SAVEPOINT w"); err != nil {
		return err
	}
	sub := &tx{s: t.s, db: t.db, sql: t.sql}
	err := r.fn(sub)
	t.uncached = append(t.uncached, sub.uncached...)
	if err != nil {
		if _, rbErr := t.sql.ExecContext(context.Background(), "ROLLBACK TO w"); rbErr != nil {
			return fmt.Errorf("%w (and rolling it back failed: %v)", err, rbErr)
		}
	}
	if _, relErr := t.sql.ExecContext(context.Background(), "RELEASE w"); relErr != nil && err == nil {
		return relErr
	}
	return err
}

func (b *batcher) close() {
	close(b.stop)
	b.closed.Wait()
}
