// Package server assembles Roster's HTTP surface: the SCIM API, the admin
// API, the console at /, health checks, and the middleware every request
// passes through (request IDs, one log line per request, panic recovery,
// security headers).
//
// It is the one package that knows every surface; it may depend on all of
// http/ and on the root package, never on a storage backend (cmd/roster
// hands it the store).
package server

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/connectors"
	"github.com/rosterhq/roster/domains"
	"github.com/rosterhq/roster/http/adminapi"
	"github.com/rosterhq/roster/http/capture"
	"github.com/rosterhq/roster/http/console"
	"github.com/rosterhq/roster/http/httperr"
	"github.com/rosterhq/roster/http/redact"
	"github.com/rosterhq/roster/http/scimapi"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/storage/dberr"
	"github.com/rosterhq/roster/webhooks"
)

// Config configures the handler.
type Config struct {
	Store     roster.Store
	PublicURL string
	Logger    *slog.Logger
	// Ready reports whether the server can serve (database reachable,
	// migrations applied); nil means always.
	Ready func(r *http.Request) error
	// Metrics is where request metrics are registered and /metrics reads
	// from; nil makes a registry of its own.
	Metrics *prometheus.Registry
	// RateLimit and RateBurst limit each token's requests per second
	// (0: no limit); see scimapi.Config.
	RateLimit float64
	RateBurst int
	// FailedAuthRate and FailedAuthBurst limit failed authentication per
	// client address; 0 means scimapi's defaults.
	FailedAuthRate  float64
	FailedAuthBurst int
	// Verifier checks domains for the admin API; nil uses the defaults.
	Verifier *domains.Verifier
	// Webhooks is the webhooks use case with the server's secret key, for
	// the admin API; nil: webhooks cannot be created over it.
	Webhooks *webhooks.Service
	// Closing is closed when the server begins to shut down: streams that
	// never end on their own (the event stream) end then, rather than
	// hold the shutdown up for its whole grace. nil: never.
	Closing <-chan struct{}
	// Connectors is the connectors use case with the server's secret key,
	// for the admin API and the console; nil: connectors cannot be created
	// over them.
	Connectors *connectors.Service
	// RequestLog, when set, records every directory's authenticated
	// requests for the console, and counts the rejected ones.
	RequestLog *RequestLog
	// SetupToken opens the console's first-run page; see console.Config.
	SetupToken string
}

// Handler returns the whole HTTP surface.
func Handler(c Config) http.Handler {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = prometheus.NewRegistry()
	}
	m := newMetrics(c.Metrics)
	mux := routes(c)
	mux.Handle("GET /metrics", metricsHandler(c.Metrics))
	return middleware(c.Logger, m, mux)
}

// middleware wraps h in what every request passes through, outermost
// first: a request ID, one log line and its metrics, panic recovery,
// security headers. m may be nil.
func middleware(log *slog.Logger, m *metrics, h http.Handler) http.Handler {
	return withRequestID(logRequests(log, m, recoverPanics(log, securityHeaders(h))))
}

// routes returns the router; c.Logger must be set.
func routes(c Config) *http.ServeMux {
	mux := http.NewServeMux()
	var record func(roster.Request)
	var reject func(string, time.Time)
	if c.RequestLog != nil {
		record, reject = c.RequestLog.Record, c.RequestLog.RecordRejected
	}
	mux.Handle(scimapi.Prefix, textPath(c.Logger, httperr.WriteSCIM, scimapi.New(scimapi.Config{Store: c.Store, PublicURL: c.PublicURL,
		Logger: c.Logger, RateLimit: c.RateLimit, RateBurst: c.RateBurst, FailedAuthRate: c.FailedAuthRate, FailedAuthBurst: c.FailedAuthBurst,
		Record: record, RecordRejected: reject})))
	mux.Handle(adminapi.Prefix, textPath(c.Logger, httperr.WriteJSON, adminapi.New(adminapi.Config{Store: c.Store, PublicURL: c.PublicURL, Logger: c.Logger, Verifier: c.Verifier, Webhooks: c.Webhooks, Closing: c.Closing, Connectors: c.Connectors})))
	// A SCIM client pointed at the wrong URL (the server's root plus
	// /scim/v2, say) gets a SCIM error that says where directories live.
	mux.HandleFunc("/scim/", func(w http.ResponseWriter, r *http.Request) {
		httperr.WriteSCIM(w, r, c.Logger, roster.NotFoundf("no SCIM endpoint %s; a directory's SCIM base URL is %s<directory id>",
			r.URL.Path, urls.DirectoryBase(c.PublicURL, "")))
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if c.Ready != nil {
			if err := c.Ready(r); err != nil {
				w.Header().Set("Retry-After", httperr.RetryAfter)
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintln(w, "not ready:", notReady(r, c.Logger, err))
				return
			}
		}
		fmt.Fprintln(w, "ready")
	})
	// The console takes everything else: its pages under /orgs/, its
	// static files, the front page, and an HTML 404 for unknown paths.
	mux.Handle("/", console.New(console.Config{Store: c.Store, PublicURL: c.PublicURL, Logger: c.Logger, Verifier: c.Verifier,
		SetupToken: c.SetupToken, Webhooks: c.Webhooks, Connectors: c.Connectors}))
	return mux
}

// notReady is what /readyz says about err. A driver's error names the
// database's address, user and name, which are nobody's business but the
// operator's: the log gets it, the response only what it means.
func notReady(r *http.Request, log *slog.Logger, err error) string {
	if e, ok := errors.AsType[*roster.Error](err); ok {
		return e.Detail
	}
	log.WarnContext(r.Context(), "not ready", "err", err)
	if c := dberr.Classify(err); c != nil {
		return c.Detail
	}
	return "the database is not ready; the server log says why"
}

// textPath refuses, with an error written by writeErr, a request whose
// path is not text: such a path names nothing, and IDs that are not text
// must not reach the store (PostgreSQL would answer with an error).
func textPath(log *slog.Logger, writeErr func(http.ResponseWriter, *http.Request, *slog.Logger, error), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !roster.IsText(r.URL.Path) {
			writeErr(w, r, log, roster.Invalidf("", "the URL path %q is not text (invalid UTF-8, or a NUL character)", r.URL.Path))
			return
		}
		next.ServeHTTP(w, r)
	})
}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// withRequestID gives every request an ID, taking the client's X-Request-Id
// when it is sane, and returns it in the response.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			// Request IDs correlate, they do not protect: math/rand's
			// generator is plenty and, unlike crypto/rand, costs no
			// system call per request.
			id = strconv.FormatUint(rand.Uint64(), 16)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, httperr.WithRequestID(r, id))
	})
}

// logRequests writes one line per request. It logs the path with its
// secrets (sign-in links) redacted, never the query or the headers: the
// Authorization header carries the token. A response that was
// cut short (a handler aborted it) is logged as such, at error level.
func logRequests(log *slog.Logger, m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w, sw := capture.Wrap(w)
		r, dir := scimapi.WithDirectorySlot(r)
		if m != nil {
			m.inflight.Inc()
		}
		defer func() {
			aborted := recover()
			status := sw.Status
			if status == 0 {
				status = http.StatusOK
			}
			if m != nil {
				m.inflight.Dec()
				m.observe(r, status, *dir, time.Since(start))
			}
			level := slog.LevelInfo
			if status >= 500 || aborted != nil {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("request_id", httperr.RequestID(r)),
				slog.String("method", r.Method),
				slog.String("path", redact.Path(r.URL.Path)),
				slog.Int("status", status),
				slog.Int64("bytes", sw.Bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("user_agent", r.UserAgent()),
			}
			if aborted != nil {
				attrs = append(attrs, slog.Bool("aborted", true))
			}
			log.LogAttrs(r.Context(), level, "request", attrs...)
			if aborted != nil {
				panic(aborted) // net/http breaks the connection
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic in a handler into a logged SCIM 500, so that
// one bad request never takes the server down. When the handler had
// already sent its status, there is no error left to write: the response
// is broken off instead, so that the client cannot take a truncated body
// (or a body with an error glued to it) for a whole one.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w, sw := capture.Wrap(w)
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.ErrorContext(r.Context(), "panic", "request_id", httperr.RequestID(r), "panic", fmt.Sprint(v), "started", sw.Status != 0, "stack", string(debug.Stack()))
			if sw.Status != 0 {
				panic(http.ErrAbortHandler)
			}
			// Headers set for the response the handler meant to send do
			// not describe the error.
			for _, k := range []string{"ETag", "Location", "Last-Modified", "Content-Length", "Content-Encoding", "Content-Disposition", "Allow"} {
				w.Header().Del(k)
			}
			httperr.WriteSCIM(w, r, slog.New(slog.DiscardHandler), roster.Errorf(roster.EInternal, "", "panic: %v", v))
		}()
		next.ServeHTTP(w, r)
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if strings.HasPrefix(r.URL.Path, scimapi.Prefix) {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// Timeouts for the HTTP server, so that slow clients cannot hold
// connections open. Writes may be long: a million-member group streams.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = time.Minute
	WriteTimeout      = 10 * time.Minute
	IdleTimeout       = 2 * time.Minute
)

// New returns an *http.Server for h with Roster's timeouts.
func New(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
