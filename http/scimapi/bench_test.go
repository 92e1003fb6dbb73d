package scimapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/server"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
)

// BenchmarkGroupGetFull is a full GET of a group of 100,000 users on
// SQLite through the whole HTTP stack (token check, members read in keyset
// batches with their names, streamed encoding), read by an in-process
// client: the server's time for the response (issue 16: at most 300 ms).
//
//	go test ./http/scimapi -run '^$' -bench GroupGetFull -benchtime 10x
func BenchmarkGroupGetFull(b *testing.B) {
	const members = 100_000
	st, org := sqlitetest.New(b)
	dir, secret := sqlitetest.Directory(b, st, org, "Entra ID")
	// The users, made concurrently so that group commit batches them.
	ids := make([]string, members)
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	const workers = 16
	for w := range workers {
		wg.Go(func() {
			for i := w; i < members; i += workers {
				u := roster.User{UserName: fmt.Sprintf("user%06d@acme.test", i), DisplayName: fmt.Sprintf("User %d", i), Active: true,
					Attributes: []byte(fmt.Sprintf(`{"userName":"user%06d@acme.test","displayName":"User %d","active":true}`, i, i))}
				if err := st.CreateUser(bg, dir.Scope(), &u); err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				ids[i] = u.ID
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	g := roster.Group{DisplayName: "Everyone", Attributes: []byte(`{"displayName":"Everyone"}`)}
	if err := st.CreateGroup(bg, dir.Scope(), &g, ids); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	srv.Config.Handler = server.Handler(server.Config{Store: st, PublicURL: base})
	srv.Start()
	defer srv.Close()
	url := urls.DirectoryBase(base, dir.ID) + "/Groups/" + g.ID
	var size int64
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		size, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, %v", resp.StatusCode, err)
		}
	}
	b.ReportMetric(float64(size)/float64(members), "bytes/member")
	// CPU time says more than wall time on a shared machine.
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
