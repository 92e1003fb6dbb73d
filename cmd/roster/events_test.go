package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEventsFromCLI: `roster events list` pages through the normalized
// change feed of a database a server writes, filtered by type; `roster
// events snapshot` writes the users as of a seq, and the feed after that
// seq holds exactly the changes made since; --follow prints changes as
// they commit; bad arguments are refused with a reason.
func TestEventsFromCLI(t *testing.T) {
	fx := serveDirectory(t, "Okta")
	env, okta := fx.env, fx.scim
	for _, name := range []string{"ann@acme.test", "bob@acme.test", "cal@acme.test"} {
		if status, body := okta.do("POST", "/Users", `{"userName":"`+name+`","displayName":"`+name+`"}`); status != 201 {
			t.Fatalf("create %s: %d %v", name, status, body)
		}
	}

	type item struct {
		Seq  int64
		Type string
		Data struct{ UserName, Organization string }
	}
	var page struct {
		Events []item
		Next   int64
	}
	// Two pages of users, one event each at a time.
	var names []string
	after := int64(0)
	for range 4 {
		rosterJSON(t, env, &page, "events", "list", "--org", fx.org, "--types", "user.*", "--limit", "2", "--after", itoa(after))
		for _, e := range page.Events {
			if e.Type != "user.created" || e.Data.Organization != fx.org {
				t.Errorf("event %+v: want user.created of the organization", e)
			}
			names = append(names, e.Data.UserName)
		}
		after = page.Next
	}
	if strings.Join(names, ",") != "ann@acme.test,bob@acme.test,cal@acme.test" {
		t.Errorf("user events paged: %v", names)
	}
	out, _, code := runCLI(t, env, "events", "list", "--org", fx.org, "--types", "user.*")
	if code != 0 || !strings.Contains(out, "user.created") || !strings.Contains(out, "bob@acme.test") || !strings.Contains(out, "roster events list --org "+fx.org+" --after") {
		t.Errorf("events list for people: exit %d\n%s", code, out)
	}

	// A snapshot, then a change: the feed after the snapshot's seq has it,
	// and nothing the snapshot already held.
	file := filepath.Join(t.TempDir(), "users.jsonl")
	var snap struct {
		Resource string
		Seq      int64
		Items    int
	}
	rosterJSON(t, env, &snap, "events", "snapshot", "--org", fx.org, "--resource", "users", "--out", file)
	lines := readLines(t, file)
	if snap.Resource != "users" || snap.Items != 3 || len(lines) != 3 || !strings.Contains(lines[0], `"userName":"ann@acme.test"`) {
		t.Errorf("snapshot %+v wrote %q", snap, lines)
	}
	if status, _ := okta.do("POST", "/Users", `{"userName":"dan@acme.test"}`); status != 201 {
		t.Fatal("create dan")
	}
	rosterJSON(t, env, &page, "events", "list", "--org", fx.org, "--types", "user.*", "--after", itoa(snap.Seq))
	if len(page.Events) != 1 || page.Events[0].Data.UserName != "dan@acme.test" {
		t.Errorf("the feed after the snapshot: %+v", page.Events)
	}

	// --follow prints the next change as it commits, and an interrupt ends it.
	ctx, cancel := context.WithCancel(context.Background())
	var followed lockedBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"events", "list", "--org", fx.org, "--after", itoa(page.Next), "--follow", "--json", "--interval", "50ms"}, &followed, &followed)
	}()
	if status, _ := okta.do("POST", "/Users", `{"userName":"eve@acme.test"}`); status != 201 {
		t.Fatal("create eve")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(followed.String(), "eve@acme.test") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("--follow exited %d: %s", code, followed.String())
	}
	var first item
	if err := json.Unmarshal([]byte(strings.SplitN(followed.String(), "\n", 2)[0]), &first); err != nil || first.Type != "user.created" || first.Data.UserName != "eve@acme.test" {
		t.Errorf("--follow printed %q (%v), want eve's user.created first", followed.String(), err)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"events", "list", "--org", "nope"}, "no organization"},
		{[]string{"events", "list", "--org", fx.org, "--types", "bogus"}, "no event filter"},
		{[]string{"events", "list", "--org", fx.org, "--limit", "0"}, "--limit"},
		{[]string{"events", "list", "--org", fx.org, "--after", "-1"}, "after"},
		{[]string{"events", "snapshot", "--org", fx.org, "--resource", "people", "--out", filepath.Join(t.TempDir(), "x")}, "users, groups, memberships or access"},
	} {
		_, errOut, code := runCLI(t, env, c.args...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("roster %s: exit %d, %q; want an error saying %q", strings.Join(c.args, " "), code, errOut, c.want)
		}
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func readLines(t *testing.T, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}
