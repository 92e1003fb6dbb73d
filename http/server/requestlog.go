package server

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosterhq/roster"
)

// RequestLog keeps the authenticated requests identity providers make, for
// the console's directory health page, and counts the rejected ones. Requests are queued in memory and written in
// batches by one goroutine, so that recording costs a request nothing but a
// channel send; when the queue is full (the database is slower than the
// traffic) entries are dropped and counted rather than slowing provisioning
// down. Every hour it prunes entries older than the retention, and all but
// the latest keepRequests successes and failures of each directory.
type RequestLog struct {
	store     roster.RequestLog
	log       *slog.Logger
	retention time.Duration
	queue     chan roster.Request
	stop      chan struct{}
	stopOnce  sync.Once
	done      sync.WaitGroup

	dropped atomic.Int64

	// rejected counts unauthenticated requests per directory and hour
	// until the writer adds them to the store: a flood of bad tokens
	// costs a map increment each, and one row per directory and hour.
	rejectedMu sync.Mutex
	rejected   map[rejectedKey]int
}

type rejectedKey struct {
	dir  string
	hour time.Time
}

// maxRejectedKeys bounds the directories (named by unauthenticated
// clients, so possibly made up) counted between two writes; the failed-
// authentication rate limit keeps the real number far below it.
const maxRejectedKeys = 4096

// Request log tuning: the queue absorbs bursts of a few seconds at full
// speed, and a batch is written at least every flushEvery.
const (
	requestQueue     = 8192
	requestBatch     = 512
	flushEvery       = time.Second
	pruneEvery       = time.Hour
	DefaultRetention = 7 * 24 * time.Hour
	// keepRequests is how many successful, and how many failed, requests
	// of each directory the log keeps at most; hourly counts keep the
	// figures exact beyond it.
	keepRequests = 10_000
)

// NewRequestLog starts a request log writing to st. Close stops it.
func NewRequestLog(st roster.RequestLog, log *slog.Logger, retention time.Duration) *RequestLog {
	if retention <= 0 {
		retention = DefaultRetention
	}
	l := &RequestLog{store: st, log: log, retention: retention, queue: make(chan roster.Request, requestQueue), stop: make(chan struct{}),
		rejected: map[rejectedKey]int{}}
	l.done.Add(1)
	go l.run()
	return l
}

// Record queues a request without blocking.
func (l *RequestLog) Record(r roster.Request) {
	select {
	case l.queue <- r:
	default:
		l.dropped.Add(1)
	}
}

// RecordRejected counts, without blocking, a request to directory dirID
// that failed authentication. Nothing about the request is kept: not its
// path, its user agent, and never the credential it offered.
func (l *RequestLog) RecordRejected(dirID string, at time.Time) {
	k := rejectedKey{dirID, at.UTC().Truncate(time.Hour)}
	l.rejectedMu.Lock()
	defer l.rejectedMu.Unlock()
	if _, ok := l.rejected[k]; !ok && len(l.rejected) >= maxRejectedKeys {
		l.dropped.Add(1)
		return
	}
	l.rejected[k]++
}

// writeRejected adds the rejected requests counted so far to the store.
func (l *RequestLog) writeRejected() {
	l.rejectedMu.Lock()
	counts := l.rejected
	if len(counts) == 0 {
		l.rejectedMu.Unlock()
		return
	}
	l.rejected = map[rejectedKey]int{}
	l.rejectedMu.Unlock()
	for k, n := range counts {
		if err := l.store.CountRejected(context.Background(), k.dir, k.hour, n); err != nil {
			l.log.Warn("could not count rejected requests", "requests", n, "err", err)
		}
	}
}

// Close writes what is queued and stops the writer. Requests recorded
// after Close are dropped. It may be called more than once.
func (l *RequestLog) Close() {
	l.stopOnce.Do(func() { close(l.stop) })
	l.done.Wait()
}

func (l *RequestLog) run() {
	defer l.done.Done()
	flush := time.NewTicker(flushEvery)
	defer flush.Stop()
	prune := time.NewTicker(pruneEvery)
	defer prune.Stop()
	batch := make([]roster.Request, 0, requestBatch)
	write := func() {
		l.writeRejected()
		if len(batch) == 0 {
			return
		}
		// A request log entry is not an acknowledged write: when the
		// database refuses the batch, it is reported and let go.
		if err := l.store.AppendRequests(context.Background(), batch); err != nil {
			l.log.Warn("could not write the request log", "requests", len(batch), "err", err)
		}
		batch = batch[:0]
		l.reportDropped()
	}
	for {
		select {
		case r := <-l.queue:
			if batch = append(batch, r); len(batch) == requestBatch {
				write()
			}
		case <-flush.C:
			write()
		case <-prune.C:
			if err := l.store.PruneRequests(context.Background(), time.Now().Add(-l.retention), keepRequests); err != nil {
				l.log.Warn("could not prune the request log", "err", err)
			}
		case <-l.stop:
			for {
				select {
				case r := <-l.queue:
					batch = append(batch, r)
				default:
					write()
					return
				}
			}
		}
	}
}

func (l *RequestLog) reportDropped() {
	if n := l.dropped.Swap(0); n > 0 {
		l.log.Warn("the request log fell behind; requests were not recorded", "dropped", n)
	}
}
