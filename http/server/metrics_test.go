package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestMetrics(t *testing.T) {
	st, _, dir, secret := newDirectory(t, "Entra")
	reg := prometheus.NewRegistry()
	RegisterDB(reg, "write", st.DB())
	srv := httptest.NewServer(Handler(Config{Store: st, Metrics: reg}))
	defer srv.Close()
	get := func(path string, auth bool) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	base := "/scim/v2/directories/" + dir.ID
	get(base+"/Users", true)
	get(base+"/Users", true)
	get(base+"/Users/nope", true)
	get(base+"/Users", false)
	// Made-up directories, methods and paths that are not text must not
	// become series (nor make the label code panic).
	get("/scim/v2/directories/made-up-"+strings.Repeat("x", 3)+"/Users", true)
	get("/scim/v2/directories/%ff/Users", true)
	req, _ := http.NewRequest("BREW", srv.URL+base+"/Users", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatalf("a request with an unknown method broke the connection: %v", err)
	} else {
		resp.Body.Close()
	}
	status, body := get("/metrics", false)
	if status != 200 {
		t.Fatalf("/metrics: %d", status)
	}
	for _, want := range []string{
		`roster_http_requests_total{directory="` + dir.ID + `",method="GET",route="/scim/v2/directories/{dir}/Users",status="200"} 2`,
		`roster_http_requests_total{directory="` + dir.ID + `",method="GET",route="/scim/v2/directories/{dir}/Users/{id}",status="404"} 1`,
		// Unauthenticated: no directory label, whatever the path says.
		`roster_http_requests_total{directory="",method="GET",route="/scim/v2/directories/{dir}/Users",status="401"} 2`,
		`roster_http_requests_total{directory="",method="other",route="/scim/v2/directories/{dir}/Users",status="401"} 1`,
		`roster_http_request_duration_seconds_count{method="GET",route="/scim/v2/directories/{dir}/Users"} 4`,
		`go_sql_max_open_connections{db_name="roster_write"} 1`,
		`roster_http_requests_in_flight 1`, // the /metrics request itself
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, "/Users/nope") || strings.Contains(body, "made-up") || strings.Contains(body, "BREW") {
		t.Error("something the client typed became a label")
	}
}
