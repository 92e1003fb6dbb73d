// Package river is a measurement, not part of Roster: the issue that built
// webhook delivery asked for River (github.com/riverqueue/river) as the job
// queue unless measurement showed a reason not to. This module delivers the
// same work through River on both of Roster's databases, so that the choice
// of Roster's own lease-based worker (package delivery) rests on figures:
// a backlog of signed webhook deliveries to a local receiver, each job
// inserted in the transaction of the change that causes it, then the delay
// from a change's commit to its arrival while changes come at a steady
// rate. It is a separate module so that River stays out of Roster's own
// dependencies. Run (docs/benchmarks.md, "River"):
//
//	cd bench/river && go test -run '^$' -bench . -benchtime 1x
package river

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite"

	"github.com/rosterhq/roster/delivery/deliverytest"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The same sizes as Roster's BenchmarkDelivery (delivery/bench_test.go).
const (
	backlog  = 10000
	delayFor = 5 * time.Second
	rate     = 400 // changes per second in the delay phase
	workers  = 32  // Roster's worker sends 32 attempts at once
)

// DeliverArgs is one webhook delivery: the event's normalized body, as
// Roster's worker sends it.
type DeliverArgs struct {
	UserID string          `json:"u"`
	Body   json.RawMessage `json:"b"`
}

func (DeliverArgs) Kind() string { return "webhook_delivery" }

// deliverWorker signs and posts one delivery (Standard Webhooks, as
// package webhooks signs), reads up to 1 KiB of the answer, and fails the
// job on anything but a 2xx, so River retries it.
type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	url    string
	key    []byte
	client *http.Client
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	id := "msg_" + strconv.FormatInt(job.ID, 10)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, w.key)
	fmt.Fprintf(mac, "%s.%s.%s", id, ts, job.Args.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(job.Args.Body))
	if err != nil {
		return err
	}
	req.Header.Set("content-type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1024))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// backend is one database with River's tables and a changes table that
// stands for the change a delivery comes from.
type backend[TTx any] struct {
	driver riverdriver.Driver[TTx]
	// change runs one change's transaction: a row in changes and, in the
	// same transaction, the delivery job through insert.
	change func(ctx context.Context, userID string, insert func(TTx) error) error
}

func BenchmarkRiver(b *testing.B) {
	ctx := context.Background()
	b.Run("sqlite", func(b *testing.B) {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(b.TempDir(), "river.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		// What riversqlite's documentation asks for: River runs operations
		// in parallel, and SQLite has one writer.
		db.SetMaxOpenConns(1)
		if _, err := db.Exec(`CREATE TABLE changes (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, at INTEGER NOT NULL)`); err != nil {
			b.Fatal(err)
		}
		run(b, backend[*sql.Tx]{driver: riversqlite.New(db), change: func(ctx context.Context, userID string, insert func(*sql.Tx) error) error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			if _, err := tx.ExecContext(ctx, `INSERT INTO changes (user_id, at) VALUES (?, ?)`, userID, time.Now().UnixMicro()); err != nil {
				return err
			}
			if err := insert(tx); err != nil {
				return err
			}
			return tx.Commit()
		}})
	})
	b.Run("postgres", func(b *testing.B) {
		pool, err := pgxpool.New(ctx, pgtest.DSN(b))
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		if _, err := pool.Exec(ctx, `CREATE TABLE changes (id BIGSERIAL PRIMARY KEY, user_id TEXT NOT NULL, at BIGINT NOT NULL)`); err != nil {
			b.Fatal(err)
		}
		// The pgx driver: River's best case on PostgreSQL, with LISTEN/
		// NOTIFY waking the fetcher on every insert.
		run(b, backend[pgx.Tx]{driver: riverpgxv5.New(pool), change: func(ctx context.Context, userID string, insert func(pgx.Tx) error) error {
			tx, err := pool.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, `INSERT INTO changes (user_id, at) VALUES ($1, $2)`, userID, time.Now().UnixMicro()); err != nil {
				return err
			}
			if err := insert(tx); err != nil {
				return err
			}
			return tx.Commit(ctx)
		}})
	})
}

func run[TTx any](b *testing.B, be backend[TTx]) {
	ctx := context.Background()
	migrator, err := rivermigrate.New(be.driver, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		b.Fatal(err)
	}
	recv := &deliverytest.Receiver{}
	srv := httptest.NewServer(recv)
	defer srv.Close()
	ws := river.NewWorkers()
	river.AddWorker(ws, &deliverWorker{url: srv.URL, key: []byte("0123456789abcdef0123456789abcdef"),
		client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}})
	client, err := river.NewClient(be.driver, &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}},
		Workers: ws,
		// Roster's worker looks for work every 100 ms when idle; River's
		// default is a second when no notification wakes it.
		FetchPollInterval: 100 * time.Millisecond,
		FetchCooldown:     10 * time.Millisecond,
	})
	if err != nil {
		b.Fatal(err)
	}
	body := func(userID string) json.RawMessage {
		// About the size of a user.created payload.
		doc, _ := json.Marshal(map[string]any{"type": "user.created", "timestamp": time.Now().UTC().Format(time.RFC3339Nano),
			"data": map[string]any{"id": userID, "userName": userID + "@acme.test", "displayName": "User " + userID, "email": userID + "@acme.test",
				"name": map[string]string{"givenName": "User", "familyName": userID}, "active": true, "managed": true,
				"scim": map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": userID + "@acme.test",
					"emails": []map[string]any{{"value": userID + "@acme.test", "type": "work", "primary": true}}}}})
		return doc
	}
	change := func(userID string) error {
		return be.change(ctx, userID, func(tx TTx) error {
			_, err := client.InsertTx(ctx, tx, DeliverArgs{UserID: userID, Body: body(userID)}, nil)
			return err
		})
	}
	for range b.N {
		prefix := strconv.FormatInt(time.Now().UnixNano(), 36)
		done := recv.Expect(backlog)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := w; i < backlog; i += 4 {
					if err := change(fmt.Sprintf("%s-%d", prefix, i)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		start, cpu := time.Now(), deliverytest.CPUTime()
		if err := client.Start(ctx); err != nil {
			b.Fatal(err)
		}
		recv.Await(b, done, 5*time.Minute, "the backlog")
		elapsed, used := time.Since(start), deliverytest.CPUTime()-cpu
		b.ReportMetric(float64(backlog)/elapsed.Seconds(), "deliveries/s")
		b.ReportMetric(float64(used.Microseconds())/backlog, "cpu-µs/delivery")

		n := int(rate * delayFor.Seconds())
		done = recv.Expect(n)
		acked := make([]time.Time, n)
		tick := time.NewTicker(time.Second / rate)
		for i := range n {
			<-tick.C
			wg.Go(func() {
				if err := change(fmt.Sprintf("%s-delay-%d", prefix, i)); err != nil {
					b.Error(err)
				}
				acked[i] = time.Now()
			})
		}
		tick.Stop()
		wg.Wait()
		recv.Await(b, done, 2*time.Minute, "the delay phase")
		if err := client.Stop(ctx); err != nil {
			b.Fatal(err)
		}
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("%s-delay-%d", prefix, i)
		}
		p50, p99 := deliverytest.ReportDelays(b, recv.Delays(ids, acked))
		b.Logf("%d deliveries in %s (%.0f/s, %.0f µs of CPU each, receiver included); delay over %d paced changes: p50 %s, p99 %s",
			backlog, elapsed.Round(time.Millisecond), float64(backlog)/elapsed.Seconds(), float64(used.Microseconds())/backlog, n,
			p50.Round(time.Millisecond), p99.Round(time.Millisecond))
	}
}
