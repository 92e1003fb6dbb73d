// Package capture records what a handler answered (its status and how many
// body bytes) for the logs, the metrics and the request log, without
// hiding the interfaces the underlying ResponseWriter has (Flusher,
// Hijacker, ReaderFrom, ...): that part is github.com/felixge/httpsnoop's,
// the well-kept library for exactly this. It depends on nothing of Roster.
package capture

import (
	"io"
	"net/http"

	"github.com/felixge/httpsnoop"
)

// Response is what a handler answered so far.
type Response struct {
	// Status is the status written, or 0 while the answer has not started
	// (a body without an explicit status is a 200; a 1xx is not the
	// answer).
	Status int
	Bytes  int64
}

// Wrap returns a ResponseWriter that writes to w and records into the
// returned Response.
func Wrap(w http.ResponseWriter) (http.ResponseWriter, *Response) {
	res := &Response{}
	return httpsnoop.Wrap(w, httpsnoop.Hooks{
		WriteHeader: func(next httpsnoop.WriteHeaderFunc) httpsnoop.WriteHeaderFunc {
			return func(code int) {
				// 1xx answers are informational: the real one is to come.
				if res.Status == 0 && code >= 200 {
					res.Status = code
				}
				next(code)
			}
		},
		Write: func(next httpsnoop.WriteFunc) httpsnoop.WriteFunc {
			return func(b []byte) (int, error) {
				if res.Status == 0 {
					res.Status = http.StatusOK
				}
				n, err := next(b)
				res.Bytes += int64(n)
				return n, err
			}
		},
		ReadFrom: func(next httpsnoop.ReadFromFunc) httpsnoop.ReadFromFunc {
			return func(src io.Reader) (int64, error) {
				if res.Status == 0 {
					res.Status = http.StatusOK
				}
				n, err := next(src)
				res.Bytes += n
				return n, err
			}
		},
	}), res
}
