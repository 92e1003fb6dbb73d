// Package httperr is where a roster.Error becomes an HTTP response: the one
// table from error codes to statuses, and the one function that writes an
// error for each kind of client (SCIM JSON here; the console's HTML page
// uses the same table).
//
// It may depend on the root package, scim (for SCIM error bodies),
// http/redact and storage/dberr (which names the database's outages).
package httperr

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/redact"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/storage/dberr"
)

var statuses = map[roster.ErrorCode]int{
	roster.EInvalid:             http.StatusBadRequest,
	roster.EUnauthorized:        http.StatusUnauthorized,
	roster.EForbidden:           http.StatusForbidden,
	roster.ENotFound:            http.StatusNotFound,
	roster.EMethodNotAllowed:    http.StatusMethodNotAllowed,
	roster.EConflict:            http.StatusConflict,
	roster.EPreconditionFailed:  http.StatusPreconditionFailed,
	roster.ETooLarge:            http.StatusRequestEntityTooLarge,
	roster.EUnsupportedMedia:    http.StatusUnsupportedMediaType,
	roster.ETooManyRequests:     http.StatusTooManyRequests,
	roster.ENotImplemented:      http.StatusNotImplemented,
	roster.EUnavailable:         http.StatusServiceUnavailable,
	roster.EGone:                http.StatusGone,
	roster.EInsufficientStorage: http.StatusInsufficientStorage,
	roster.EInternal:            http.StatusInternalServerError,
}

// RetryAfter is the Retry-After (seconds) of a 503: long enough for a
// database restart or fail-over to make progress, short enough that
// identity providers, which honour it, catch up soon after.
const RetryAfter = "5"

// Status returns the HTTP status for an error code.
func Status(code roster.ErrorCode) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// internalDetail is all a client learns of an internal error; the log has
// the rest, under the request ID the client can quote.
const internalDetail = "Roster could not complete the request; the server log has the details under request ID "

// Public returns the error as a client may see it: a database that is
// unreachable or full is said so (package dberr classifies the driver's
// error; the cause is logged, since the detail names no host); other
// internal errors are logged with the request ID and replaced by a generic
// message.
func Public(r *http.Request, log *slog.Logger, err error) *roster.Error {
	e := roster.AsError(err)
	if e.Code != roster.EInternal {
		return e
	}
	id := RequestID(r)
	if c := dberr.Classify(err); c != nil {
		log.WarnContext(r.Context(), "database error", "request_id", id, "method", r.Method, "path", redact.Path(r.URL.Path), "code", c.Code, "err", err)
		return c
	}
	log.ErrorContext(r.Context(), "internal error", "request_id", id, "method", r.Method, "path", redact.Path(r.URL.Path), "err", err)
	return &roster.Error{Code: roster.EInternal, Detail: internalDetail + id}
}

// WriteSCIM writes err as a SCIM error response (RFC 7644 §3.12).
func WriteSCIM(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := Public(r, log, err)
	status := Status(e.Code)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="roster"`)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", RetryAfter)
	}
	w.Header().Set("Content-Type", scim.MediaType)
	w.WriteHeader(status)
	w.Write(scim.ErrorBody(status, e.ScimType, e.Detail))
}

type requestIDKey struct{}

// WithRequestID records the request ID in the request's context.
func WithRequestID(r *http.Request, id string) *http.Request {
	return r.WithContext(contextWithID(r, id))
}

// RequestID returns the ID given by WithRequestID, or "".
func RequestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

func contextWithID(r *http.Request, id string) context.Context {
	return context.WithValue(r.Context(), requestIDKey{}, id)
}

// WriteJSON writes err for the admin API: {"error": {"code", "reason",
// "detail"}} with the status of its code. Scripts branch on reason (see
// roster.Reason); code is the coarse class.
func WriteJSON(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := Public(r, log, err)
	status := Status(e.Code)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="roster admin"`)
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", RetryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": e.Code, "reason": roster.ReasonOf(e), "detail": e.Detail}})
}
