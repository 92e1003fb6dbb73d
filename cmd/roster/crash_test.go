package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // to check the database file after the crash
)

// runMainEnv makes the test binary behave as the roster command, so that
// a test can start the real server as a separate process and kill it.
const runMainEnv = "ROSTER_TEST_RUN_MAIN"

// killWhen kills server with SIGKILL, as soon as ready (asked every poll)
// says so or after a minute, and waits for it to exit.
func killWhen(t *testing.T, server *exec.Cmd, poll time.Duration, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !ready() && time.Now().Before(deadline) {
		time.Sleep(poll)
	}
	if err := server.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	server.Wait()
}

func startProcess(t *testing.T, db, addr string, flags ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--db", db, "--addr", addr, "--log-format", "json"}, flags...)...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("the server did not become ready")
	return nil
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestCrashLosesNoAcknowledgedWrite kills the server with SIGKILL while
// clients create users and add them to a group, restarts it, and checks
// that every write the server acknowledged is there and that the database
// is consistent.
func TestCrashLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	db := filepath.Join(t.TempDir(), "roster.db")
	env := map[string]string{"ROSTER_DB": db}
	addr := freeAddr(t)
	orgID := createOrg(t, env, "Acme")
	var dir struct{ ID, Token string }
	rosterJSON(t, env, &dir, "directory", "create", "--org", orgID, "--name", "Entra ID")
	base := "http://" + addr + "/scim/v2/directories/" + dir.ID

	server := startProcess(t, db, addr)
	c := scimClient{t, base, dir.Token}
	status, group := c.do("POST", "/Groups", `{"displayName":"Everyone"}`)
	if status != 201 {
		t.Fatalf("create group: %d", status)
	}
	groupID := group["id"].(string)

	var mu sync.Mutex
	var users, members []string
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	send := func(method, path, body string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+dir.Token)
		req.Header.Set("Content-Type", "application/scim+json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, ""
		}
		defer resp.Body.Close()
		var out struct{ ID string }
		decodeJSON(resp, &out)
		return resp.StatusCode, out.ID
	}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				status, id := send("POST", "/Users", fmt.Sprintf(`{"userName":"crash-%d-%d@acme.test"}`, w, i))
				if status != 201 {
					continue
				}
				mu.Lock()
				users = append(users, id)
				mu.Unlock()
				if status, _ := send("PATCH", "/Groups/"+groupID, `{"Operations":[{"op":"add","path":"members","value":[{"value":"`+id+`"}]}]}`); status == 204 {
					mu.Lock()
					members = append(members, id)
					mu.Unlock()
				}
			}
		}(w)
	}
	// Kill once enough writes were acknowledged (at least 1.5 s in, so
	// writes are in flight), not after a fixed time: under the race
	// detector on a loaded machine a fixed sleep sometimes saw too few.
	killAt := time.Now().Add(1500 * time.Millisecond)
	killWhen(t, server, 50*time.Millisecond, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(users) >= 60 && time.Now().After(killAt)
	})
	stop()
	wg.Wait()
	if len(users) < 50 {
		t.Fatalf("only %d users were acknowledged before the crash; the test proves little", len(users))
	}

	server = startProcess(t, db, addr)
	defer func() { server.Process.Signal(syscall.SIGTERM); server.Wait() }()
	for _, id := range users {
		if status, _ := c.do("GET", "/Users/"+id+"?attributes=id", ""); status != 200 {
			t.Errorf("acknowledged user %s is gone after the crash (status %d)", id, status)
		}
	}
	status, g := c.do("GET", "/Groups/"+groupID, "")
	if status != 200 {
		t.Fatalf("group after the crash: %d", status)
	}
	var got []string
	list, _ := g["members"].([]any)
	for _, m := range list {
		got = append(got, m.(map[string]any)["value"].(string))
	}
	for _, id := range members {
		if !slices.Contains(got, id) {
			t.Errorf("acknowledged membership of %s is gone after the crash", id)
		}
	}
	t.Logf("%d users and %d memberships acknowledged before SIGKILL; all present after restart", len(users), len(members))

	check, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	var result string
	if err := check.QueryRow("PRAGMA integrity_check").Scan(&result); err != nil || result != "ok" {
		t.Errorf("integrity_check = %q, %v", result, err)
	}
	var orphans int
	check.QueryRow(`SELECT COUNT(*) FROM group_members m WHERE m.member_type = 'User' AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = m.member_id)`).Scan(&orphans)
	if orphans != 0 {
		t.Errorf("%d memberships point at no user", orphans)
	}
}
