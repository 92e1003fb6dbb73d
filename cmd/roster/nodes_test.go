package main

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/rosterhq/roster/http/scimtest"
	"github.com/rosterhq/roster/storage/postgres/pgtest"
)

// do sends a request with extra headers and returns status and ETag.
func (c scimClient) doWith(method, path, body string, header map[string]string) (int, string, map[string]any) {
	c.t.Helper()
	a := scimtest.Client{Base: c.base, Token: c.token, Header: header}.Do(c.t, method, path, body)
	return a.Status, a.Header.Get("ETag"), a.Body
}

// TestTwoNodesOnePostgres runs two Roster nodes on one PostgreSQL database
// and alternates concurrent requests between them: nothing acknowledged is
// lost, uniqueness has one winner, and If-Match holds across nodes.
func TestTwoNodesOnePostgres(t *testing.T) {
	env := map[string]string{"ROSTER_DB": pgtest.DSN(t)}
	urls := []string{serve(t, env), serve(t, env)}
	orgID := createOrg(t, env, "Acme")
	var dir struct{ ID, Token string }
	rosterJSON(t, env, &dir, "directory", "create", "--org", orgID, "--name", "Okta")
	nodes := make([]scimClient, 2)
	for i, u := range urls {
		nodes[i] = scimClient{t, u + "/scim/v2/directories/" + dir.ID, dir.Token}
	}

	var ids []string
	for i := 0; i < 40; i++ {
		_, u := nodes[i%2].do("POST", "/Users", fmt.Sprintf(`{"userName":"n%d@acme.test"}`, i))
		ids = append(ids, u["id"].(string))
	}
	_, g := nodes[0].do("POST", "/Groups", `{"displayName":"Team"}`)
	groupID := g["id"].(string)

	patch := func(node int, op, id string) int {
		status, _, _ := nodes[node].doWith("PATCH", "/Groups/"+groupID, `{"Operations":[{"op":"`+op+`","path":"members","value":[{"value":"`+id+`"}]}]}`, nil)
		return status
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			if status := patch(i%2, "add", id); status != 204 {
				t.Errorf("add %s on node %d: %d", id, i%2, status)
			}
		})
	}
	wg.Wait()
	for i, id := range ids[:20] {
		wg.Go(func() {
			if status := patch((i+1)%2, "remove", id); status != 204 {
				t.Errorf("remove %s: %d", id, status)
			}
		})
	}
	wg.Wait()
	for n := range nodes {
		_, group := nodes[n].do("GET", "/Groups/"+groupID, "")
		var got []string
		for _, m := range group["members"].([]any) {
			got = append(got, m.(map[string]any)["value"].(string))
		}
		slices.Sort(got)
		want := slices.Clone(ids[20:])
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("node %d sees %d members, want %d", n, len(got), len(want))
		}
	}

	// Same userName on both nodes at once: one winner.
	results := make(chan int, 10)
	for i := 0; i < 10; i++ {
		wg.Go(func() {
			status, _ := nodes[i%2].do("POST", "/Users", `{"userName":"race@acme.test"}`)
			results <- status
		})
	}
	wg.Wait()
	close(results)
	created := 0
	for status := range results {
		switch status {
		case 201:
			created++
		case 409:
		default:
			t.Errorf("same-userName create: %d", status)
		}
	}
	if created != 1 {
		t.Errorf("%d creates of one userName succeeded across nodes, want 1", created)
	}

	// If-Match across nodes: of two PATCHes made against one version, one wins.
	_, etag, _ := nodes[0].doWith("GET", "/Users/"+ids[0], "", nil)
	statuses := make(chan int, 2)
	for n := range nodes {
		wg.Go(func() {
			status, _, _ := nodes[n].doWith("PATCH", "/Users/"+ids[0], fmt.Sprintf(`{"Operations":[{"op":"replace","path":"title","value":"node %d"}]}`, n), map[string]string{"If-Match": etag})
			statuses <- status
		})
	}
	wg.Wait()
	close(statuses)
	var got []int
	for s := range statuses {
		got = append(got, s)
	}
	slices.Sort(got)
	if !slices.Equal(got, []int{200, 412}) {
		t.Errorf("concurrent If-Match PATCHes on two nodes = %v, want one 200 and one 412", got)
	}
	_, etag2, _ := nodes[1].doWith("GET", "/Users/"+ids[0], "", nil)
	if etag2 == etag || etag2 == "" {
		t.Errorf("version after the winning PATCH = %s (before: %s)", etag2, etag)
	}
}
