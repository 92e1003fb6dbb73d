package main

import (
	"bufio"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestServeSetsTheGCTarget: `roster serve` runs the garbage collector at
// gcPercent unless GOGC says otherwise, as its /metrics report.
func TestServeSetsTheGCTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	for _, tc := range []struct{ env, want string }{{"", "400"}, {"150", "150"}} {
		t.Setenv("GOGC", tc.env)
		addr := freeAddr(t)
		server := startProcess(t, filepath.Join(t.TempDir(), "roster.db"), addr)
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
			if v, ok := strings.CutPrefix(sc.Text(), "go_gc_gogc_percent "); ok {
				got = v
			}
		}
		resp.Body.Close()
		server.Process.Signal(syscall.SIGTERM)
		server.Wait()
		if got != tc.want {
			t.Errorf("with GOGC=%q the server's go_gc_gogc_percent is %q, want %s", tc.env, got, tc.want)
		}
	}
}
