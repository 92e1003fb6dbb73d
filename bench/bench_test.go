package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParsePhases(t *testing.T) {
	got, err := ParsePhases("lookup, create")
	if err != nil || strings.Join(got, ",") != "lookup,create" {
		t.Errorf("ParsePhases(lookup, create) = %v, %v", got, err)
	}
	for _, bad := range []string{"create,lokup", "", ","} {
		if _, err := ParsePhases(bad); err == nil || !strings.Contains(err.Error(), strings.Join(AllPhases, ", ")) {
			t.Errorf("ParsePhases(%q) = %v; want an error listing the phases", bad, err)
		}
	}
}

// TestNodesTakenInTurn: a BaseURL of two nodes sends the requests to each
// in turn, with the path and token as given.
func TestNodesTakenInTurn(t *testing.T) {
	var hits [2]atomic.Int32
	var srvs [2]*httptest.Server
	for i := range srvs {
		srvs[i] = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/scim/v2/Users" || r.Header.Get("Authorization") != "Bearer tok" {
				http.Error(w, "wrong request", http.StatusBadRequest)
				return
			}
			hits[i].Add(1)
		}))
		defer srvs[i].Close()
	}
	r := New(Config{BaseURL: srvs[0].URL + "/scim/v2/, " + srvs[1].URL + "/scim/v2", Token: "tok"})
	for range 6 {
		if _, err := r.do(context.Background(), http.MethodGet, "/Users", nil, http.StatusOK); err != nil {
			t.Fatal(err)
		}
	}
	if hits[0].Load() != 3 || hits[1].Load() != 3 {
		t.Errorf("the nodes got %d and %d requests, want 3 each", hits[0].Load(), hits[1].Load())
	}
}

// TestSliceOfAPhaseHasNoRate: the first and last tenth of the member-add
// phase have no elapsed time of their own; their rate is none (not +Inf,
// which made `roster bench --json` fail to encode the report).
func TestSliceOfAPhaseHasNoRate(t *testing.T) {
	lat := []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond}
	whole, slice := summarize("member-add", lat, 0, time.Second), summarize("  first 10%", lat[:1], 0, 0)
	if whole.PerSec != 3 || slice.PerSec != 0 || slice.P50 != time.Millisecond {
		t.Fatalf("rates %v and %v, p50 %v; want 3, 0 and 1ms", whole.PerSec, slice.PerSec, slice.P50)
	}
	rep := &Report{Results: []Result{whole, slice}}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatalf("the report does not encode: %v", err)
	}
	var text strings.Builder
	rep.WriteText(&text)
	if !strings.Contains(text.String(), "first 10%") || strings.Contains(text.String(), "Inf") {
		t.Errorf("report:\n%s", text.String())
	}
}
