package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only on --debug-addr
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/connectors"
	"github.com/rosterhq/roster/deletions"
	"github.com/rosterhq/roster/delivery"
	"github.com/rosterhq/roster/domains"
	"github.com/rosterhq/roster/feed"
	"github.com/rosterhq/roster/http/scimapi"
	"github.com/rosterhq/roster/http/server"
	"github.com/rosterhq/roster/http/urls"
	"github.com/rosterhq/roster/storage/sqlstore"
	"github.com/rosterhq/roster/tokens"
	"github.com/rosterhq/roster/webhooks"
)

// shutdownGrace is how long in-flight requests get to finish on SIGTERM.
const shutdownGrace = 30 * time.Second

// gcPercent is the garbage collector's target the server runs with when
// the environment sets no GOGC. Go's default of 100 collects each time the
// heap doubles; Roster's live heap is small (the caches of tokens,
// statements and filter shapes) while a request allocates about 25 KB, so
// collections were 6-7% of the server's CPU. At 400 they run a quarter as
// often: in five pairs of runs, lookups 1.10-1.27x as fast, the server's
// CPU 3-14% lower, peak RSS 130 -> 157 MB (docs/benchmarks.md, "The
// garbage collector's target"). GOGC and GOMEMLIMIT still rule where an
// operator sets them.
const gcPercent = 400

// serveCmd is `roster serve`. Its run lasts until the context ends (SIGTERM,
// Ctrl-C), with the store exec opened; it prints as it goes and returns no
// result.
type serveCmd struct {
	addr, logFormat, debugAddr string
	rateLimit                  float64
	rateBurst                  int
	recheck                    time.Duration
	purge                      time.Duration
	eventRetention             string // "90d", "0": keep forever
	retention                  time.Duration
	vf                         verifierFlags
	tlsCert, tlsKey            string
	durable                    *bool
	keyFile                    string // seals webhook secrets; without it webhooks are off
	allowPrivate               bool   // webhooks may target private and loopback addresses
	keys                       *webhooks.Keyring
	disableAfter               time.Duration // a webhook failing this long is disabled
	deliveryRetention          time.Duration // finished deliveries stay in the log this long
	lease                      time.Duration // how long a node holds the deliveries it claimed
}

func (cmd *serveCmd) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.addr, "addr", defaultAddr, "address to listen on")
	fs.StringVar(&cmd.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&cmd.debugAddr, "debug-addr", "", "if set, serve Go's pprof profiles on this address, e.g. 127.0.0.1:6060")
	fs.Float64Var(&cmd.rateLimit, "rate-limit", scimapi.DefaultRate, "requests per second each API token may send, per node (0: no limit)")
	fs.IntVar(&cmd.rateBurst, "rate-burst", scimapi.DefaultBurst, "requests a token may send at once above its rate")
	cmd.durable = fs.Bool("sqlite-durable", false, "SQLite: fsync every commit (synchronous=FULL), so that commits survive power loss, not only process crashes")
	fs.DurationVar(&cmd.recheck, "domain-recheck", 24*time.Hour, "how often verified domains are checked again (0: never)")
	fs.DurationVar(&cmd.purge, "purge-interval", 10*time.Minute, "how often deleted users and groups past their retention are purged (0: never, on this node)")
	fs.StringVar(&cmd.eventRetention, "event-retention", "90d", "how long events stay in the change feed: a duration such as 90d or 720h (0: forever); older ones are purged, and a feed cursor older than that is told to take a snapshot")
	cmd.vf.define(fs)
	fs.StringVar(&cmd.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (chain) file; needs --tls-key")
	fs.StringVar(&cmd.tlsKey, "tls-key", "", "the PEM private key of --tls-cert")
	fs.StringVar(&cmd.keyFile, "secret-key-file", os.Getenv("ROSTER_SECRET_KEY_FILE"), "the secret key (roster keygen --out FILE) that seals webhook secrets and connector tokens; webhooks and connectors run only with it (env ROSTER_SECRET_KEY_FILE)")
	fs.BoolVar(&cmd.allowPrivate, "allow-private-targets", false, "let webhooks and connectors use http:// and private or loopback addresses (tests, internal receivers and applications)")
	fs.DurationVar(&cmd.disableAfter, "webhook-disable-after", delivery.DefaultDisableAfter, "disable a webhook whose every attempt has failed for this long (it is also disabled after 3 dead-lettered deliveries in a row)")
	fs.DurationVar(&cmd.deliveryRetention, "webhook-log-retention", delivery.DefaultRetention, "how long delivered and dead-lettered deliveries stay in the delivery log, with their attempts; the connectors' delivery logs keep their requests as long")
	fs.DurationVar(&cmd.lease, "webhook-lease", time.Minute, "how long a node holds the deliveries it claimed: after a crash, another node (or this one restarted) retries them this much later")
	return nil
}

// prepare checks the server's settings together and reports every
// problem at once, so that a broken configuration is fixed in one go,
// before anything opens.
func (cmd *serveCmd) prepare(c *cli) error {
	c.durable = *cmd.durable
	var problems []error
	// deletions.ParseRetention reads the same forms; its message speaks of
	// deleted users, for whom 0 means purging at once, so this one says
	// its own.
	if d, err := deletions.ParseRetention(cmd.eventRetention); err == nil {
		cmd.retention = d
	} else {
		problems = append(problems, fmt.Errorf("--event-retention %q: give a duration such as 90d or 720h (at least a minute), or 0 to keep events forever", cmd.eventRetention))
	}
	if cmd.keyFile != "" {
		k, err := webhooks.LoadKey(cmd.keyFile)
		if err != nil {
			problems = append(problems, err)
		}
		cmd.keys = k
	}
	switch {
	case (cmd.tlsCert == "") != (cmd.tlsKey == ""):
		problems = append(problems, fmt.Errorf("--tls-cert and --tls-key go together"))
	case cmd.tlsCert != "":
		if _, err := tls.LoadX509KeyPair(cmd.tlsCert, cmd.tlsKey); err != nil {
			problems = append(problems, fmt.Errorf("--tls-cert/--tls-key: %v", err))
		}
	}
	if _, _, err := net.SplitHostPort(cmd.addr); err != nil {
		problems = append(problems, fmt.Errorf("--addr %q is not host:port: %v", cmd.addr, err))
	}
	if cmd.debugAddr != "" {
		if _, _, err := net.SplitHostPort(cmd.debugAddr); err != nil {
			problems = append(problems, fmt.Errorf("--debug-addr %q is not host:port: %v", cmd.debugAddr, err))
		}
	}
	if cmd.disableAfter <= 0 || cmd.deliveryRetention <= 0 || cmd.lease < time.Second {
		problems = append(problems, fmt.Errorf("--webhook-disable-after and --webhook-log-retention must be positive durations, --webhook-lease at least 1s"))
	}
	if cmd.rateLimit < 0 || cmd.rateBurst < 0 {
		problems = append(problems, fmt.Errorf("--rate-limit and --rate-burst must not be negative"))
	}
	if cmd.logFormat != "text" && cmd.logFormat != "json" {
		problems = append(problems, fmt.Errorf("--log-format must be text or json, not %q", cmd.logFormat))
	}
	if c.baseURL != "" {
		u, err := url.Parse(c.baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, fmt.Errorf("--base-url %q must be an absolute http:// or https:// URL", c.baseURL))
		}
	}
	if c.db == "" {
		problems = append(problems, fmt.Errorf("--db must name a SQLite file or a postgres:// URL"))
	}
	if len(problems) == 0 {
		return nil
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = "  " + p.Error()
	}
	return fmt.Errorf("invalid configuration:\n%s", strings.Join(lines, "\n"))
}

func (cmd *serveCmd) run(ctx context.Context, e *env) (output, error) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	log := newLogger(e.stderr, cmd.logFormat)
	st := e.st
	ln, err := net.Listen("tcp", cmd.addr)
	if err != nil {
		return nil, err
	}
	scheme := "http://"
	if cmd.tlsCert != "" {
		scheme = "https://"
	}
	listen := scheme + ln.Addr().String()
	public := strings.TrimRight(e.baseURL, "/")
	if public == "" {
		public = listen
	}
	ver, err := cmd.vf.verifier()
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if s, ok := st.(*sqlstore.Store); ok {
		for name, db := range s.Pools() {
			server.RegisterDB(reg, name, db)
		}
	}
	// With no organization yet, the console offers a setup page behind a
	// token only this output shows.
	var setupToken string
	if orgs, err := st.ListOrgs(ctx); err == nil && len(orgs) == 0 {
		setupToken = rand.Text()
	}
	closing := make(chan struct{}) // closed when shutdown begins: event streams end
	conns := &connectors.Service{Store: st, Keys: cmd.keys, AllowPrivate: cmd.allowPrivate}
	requests := server.NewRequestLog(st, log, server.DefaultRetention)
	defer requests.Close()
	h := server.Handler(server.Config{
		Store:      st,
		PublicURL:  public,
		Logger:     log,
		Ready:      func(r *http.Request) error { return ready(r.Context(), st) },
		Metrics:    reg,
		RateLimit:  cmd.rateLimit,
		RateBurst:  cmd.rateBurst,
		Verifier:   ver,
		RequestLog: requests,
		SetupToken: setupToken,
		Webhooks:   &webhooks.Service{Store: st, Keys: cmd.keys, AllowPrivate: cmd.allowPrivate},
		Closing:    closing,
		Connectors: conns,
	})
	if cmd.debugAddr != "" {
		go func() {
			// pprof registers on http.DefaultServeMux, which nothing else uses.
			if err := http.ListenAndServe(cmd.debugAddr, http.DefaultServeMux); err != nil {
				log.Error("debug listener", "err", err)
			}
		}()
	}
	if cmd.recheck > 0 {
		go domains.Recheck(ctx, st, ver, cmd.recheck, log)
	}
	// directory.token_expiring, 14 and 3 days ahead, once per token
	// whichever node writes it (see tokens.WarnExpiringDue).
	go tokens.WarnExpiring(ctx, st, time.Hour, log)
	if cmd.purge > 0 {
		go deletions.Purge(ctx, st, cmd.purge, log) // safe on every node at once (see deletions.PurgeDue)
		// Events past their retention go on the same schedule, on every
		// node (see roster.ChangeFeed.DeleteEvents); 0 keeps them.
		go feed.Purge(ctx, st, cmd.retention, cmd.purge, log)
		// So do the connectors' delivery logs, kept as long as the
		// webhooks' (--webhook-log-retention).
		go connectors.Purge(ctx, st, cmd.deliveryRetention, cmd.purge, log)
	}
	if cmd.keys != nil {
		w := &delivery.Worker{Store: st, Keys: cmd.keys, Log: log, AllowPrivate: cmd.allowPrivate, DisableAfter: cmd.disableAfter, Retention: cmd.deliveryRetention,
			Lease: cmd.lease}
		go w.Run(ctx)
		// Connector passes: every node runs the worker; leases keep two
		// nodes off one connector.
		go (&connectors.Worker{Service: conns, Log: log}).Run(ctx)
	} else {
		log.Info("webhooks are not delivered and connectors do not run: no --secret-key-file (make a key with roster keygen --out FILE)")
	}
	srv := server.New(cmd.addr, h, log)
	serveErr := make(chan error, 1)
	go func() {
		if cmd.tlsCert != "" {
			serveErr <- srv.ServeTLS(ln, cmd.tlsCert, cmd.tlsKey)
			return
		}
		serveErr <- srv.Serve(ln)
	}()

	// Where it listens and where it is reached are two things behind a
	// proxy: say both.
	fmt.Fprintf(e.stdout, "Roster %s listening on %s (database %s)\n", version, listen, redactDSN(e.db))
	fmt.Fprintf(e.stdout, "Public URL: %s\n", public)
	fmt.Fprintf(e.stdout, "Console: %s\n", urls.Console(public))
	if setupToken != "" {
		fmt.Fprintf(e.stdout, "\nNo organization yet. Open this link to create the first one and its admin (it works once):\n")
		fmt.Fprintf(e.stdout, "  %s\n", urls.Setup(public, setupToken))
		fmt.Fprintf(e.stdout, "Or, in another terminal:\n")
		fmt.Fprintf(e.stdout, "  roster org create --name \"Acme\" --db %s\n", e.db)
		fmt.Fprintf(e.stdout, "  roster admin create --org ORG_ID --email you@acme.com --db %s --base-url %s\n", e.db, public)
	}

	select {
	case err := <-serveErr:
		return nil, err
	case <-ctx.Done():
	}
	log.Info("shutting down; finishing in-flight requests", "grace", shutdownGrace)
	close(closing)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return nil, err
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return nil, err
	}
	return nil, nil
}

// ready reports whether the database answers and has every migration.
func ready(ctx context.Context, st store) error {
	if err := st.Ping(ctx); err != nil {
		return err
	}
	s, ok := st.(*sqlstore.Store)
	if !ok {
		return nil
	}
	pending, err := sqlstore.Pending(ctx, s.DB(), s.Dialect())
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return roster.Errorf(roster.EUnavailable, "", "migrations not applied: %s", strings.Join(pending, ", "))
	}
	return nil
}

// newLogger makes the process log in the format prepare accepted.
func newLogger(w io.Writer, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
