package capture

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	for name, c := range map[string]struct {
		handler func(w http.ResponseWriter)
		status  int
		bytes   int64
	}{
		"explicit status":   {func(w http.ResponseWriter) { w.WriteHeader(201); w.Write([]byte("abc")) }, 201, 3},
		"implicit 200":      {func(w http.ResponseWriter) { w.Write([]byte("hello")) }, 200, 5},
		"first status wins": {func(w http.ResponseWriter) { w.WriteHeader(404); w.WriteHeader(500) }, 404, 0},
		"nothing written":   {func(w http.ResponseWriter) {}, 0, 0},
	} {
		w, res := Wrap(httptest.NewRecorder())
		c.handler(w)
		if res.Status != c.status || res.Bytes != c.bytes {
			t.Errorf("%s: recorded %+v, want status %d and %d bytes", name, res, c.status, c.bytes)
		}
	}
}

// TestReadFromAndFlush: a body copied with io.Copy (which takes the
// server's ReadFrom path) is counted, and the wrapper keeps the
// server writer's http.Flusher.
func TestReadFromAndFlush(t *testing.T) {
	got := make(chan *Response, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w, res := Wrap(w)
		if _, ok := w.(io.ReaderFrom); !ok {
			t.Error("the wrapper hides io.ReaderFrom")
		}
		io.Copy(w, strings.NewReader(strings.Repeat("x", 10)))
		if _, ok := w.(http.Flusher); !ok {
			t.Error("the wrapper hides http.Flusher")
		}
		got <- res
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if res := <-got; res.Status != 200 || res.Bytes != 10 {
		t.Errorf("recorded %+v, want 200 and 10 bytes", res)
	}
}
