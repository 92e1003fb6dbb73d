package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestBenchPrintsNoSecret runs a small bench against a real server and
// looks for the directory's token in everything it prints, JSON and text:
// a report is kept and shared, a token must not be in it.
func TestBenchPrintsNoSecret(t *testing.T) {
	fx := serveDirectory(t, "Entra ID", "--rate-limit", "0")
	env := fx.env
	args := []string{"bench", "--url", fx.dir.BaseURL, "--token", fx.dir.Token, "--users", "3", "--requests", "3", "--concurrency", "2", "--phases", "create,lookup"}
	for i, format := range [][]string{{"--json"}, nil} {
		out, errOut, code := runCLI(t, env, append(args, append(format, "--prefix", fmt.Sprint("run", i))...)...)
		if code != 0 {
			t.Fatalf("bench %v: exit %d\n%s", format, code, errOut)
		}
		if strings.Contains(out, fx.dir.Token) || strings.Contains(errOut, fx.dir.Token) {
			t.Errorf("bench %v prints the directory's token:\n%s\n%s", format, out, errOut)
		}
		if format != nil {
			var rep struct {
				Config  map[string]any
				Results []struct{ Phase string }
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Results) < 2 || rep.Results[0].Phase != "create" || rep.Config["BaseURL"] != fx.dir.BaseURL {
				t.Errorf("bench --json = %v %+v\n%s", err, rep, out)
			}
		} else if !strings.Contains(out, "lookup") {
			t.Errorf("bench text report:\n%s", out)
		}
	}
}

// TestBenchRefusesUnknownPhase: a misspelt phase is a usage error that
// lists the phases, not a run that quietly skips it.
func TestBenchRefusesUnknownPhase(t *testing.T) {
	_, errOut, code := runCLI(t, nil, "bench", "--url", "http://127.0.0.1:1/scim/v2/directories/x", "--token", "t", "--phases", "create,lokup")
	if code != 2 || !strings.Contains(errOut, `unknown phase "lokup"`) || !strings.Contains(errOut, "member-add-small") {
		t.Errorf("bench --phases create,lokup: exit %d, stderr %q; want 2 and the known phases", code, errOut)
	}
}
