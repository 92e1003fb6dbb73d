package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only on --debug-addr
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/domains"
	"github.com/rosterhq/roster/http/scimapi"
	"github.com/rosterhq/roster/http/server"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/storage/sqlstore"
)

// shutdownGrace is how long in-flight requests get to finish on SIGTERM.
const shutdownGrace = 30 * time.Second

func cmdServe(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("serve")
	addr := fs.String("addr", defaultAddr, "address to listen on")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	debugAddr := fs.String("debug-addr", "", "if set, serve Go's pprof profiles on this address, e.g. 127.0.0.1:6060")
	rateLimit := fs.Float64("rate-limit", scimapi.DefaultRate, "requests per second each API token may send, per node (0: no limit)")
	rateBurst := fs.Int("rate-burst", scimapi.DefaultBurst, "requests a token may send at once above its rate")
	fs.BoolVar(&c.durable, "sqlite-durable", false, "SQLite: fsync every commit (synchronous=FULL), so that commits survive power loss, not only process crashes")
	recheck := fs.Duration("domain-recheck", 24*time.Hour, "how often verified domains are checked again (0: never)")
	var vf verifierFlags
	vf.define(fs)
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this PEM certificate (chain) file; needs --tls-key")
	tlsKey := fs.String("tls-key", "", "the PEM private key of --tls-cert")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := validateServe(c, fs, *addr, *logFormat, *debugAddr, *tlsCert, *tlsKey); err != nil {
		return err
	}
	log, err := newLogger(c, *logFormat)
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	scheme := "http://"
	if *tlsCert != "" {
		scheme = "https://"
	}
	public := c.baseURL
	if public == "" {
		public = scheme + ln.Addr().String()
	}
	ver, err := vf.verifier()
	if err != nil {
		return err
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
	if orgs, err := st.Orgs(ctx); err == nil && len(orgs) == 0 {
		setupToken = rand.Text()
	}
	requests := server.NewRequestLog(st, log, server.DefaultRetention)
	defer requests.Close()
	h := server.Handler(server.Config{
		Store:      st,
		PublicURL:  public,
		Logger:     log,
		Ready:      func(r *http.Request) error { return ready(r.Context(), st) },
		Metrics:    reg,
		RateLimit:  *rateLimit,
		RateBurst:  *rateBurst,
		Verifier:   ver,
		RequestLog: requests,
		SetupToken: setupToken,
	})
	if *debugAddr != "" {
		go func() {
			// pprof registers on http.DefaultServeMux, which nothing else uses.
			if err := http.ListenAndServe(*debugAddr, http.DefaultServeMux); err != nil {
				log.Error("debug listener", "err", err)
			}
		}()
	}
	if *recheck > 0 {
		go domains.Recheck(ctx, st, ver, *recheck, log)
	}
	srv := server.New(*addr, h, log)
	serveErr := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			serveErr <- srv.ServeTLS(ln, *tlsCert, *tlsKey)
			return
		}
		serveErr <- srv.Serve(ln)
	}()

	fmt.Fprintf(c.stdout, "Roster %s listening on %s (database %s)\n", version, public, redactDSN(c.db))
	fmt.Fprintf(c.stdout, "Console: %s/\n", public)
	if setupToken != "" {
		fmt.Fprintf(c.stdout, "\nNo organization yet. Open this link to create the first one and its admin (it works once):\n")
		fmt.Fprintf(c.stdout, "  %s/setup/%s\n", public, setupToken)
		fmt.Fprintf(c.stdout, "Or, in another terminal:\n")
		fmt.Fprintf(c.stdout, "  roster org create --name \"Acme\" --db %s\n", c.db)
		fmt.Fprintf(c.stdout, "  roster admin create --org ORG_ID --email you@acme.com --db %s --base-url %s\n", c.db, public)
	}

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down; finishing in-flight requests", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// validateServe checks the server's settings together and reports every
// problem at once, so that a broken configuration is fixed in one go.
func validateServe(c *cli, fs *flag.FlagSet, addr, logFormat, debugAddr, tlsCert, tlsKey string) error {
	var problems []error
	switch {
	case (tlsCert == "") != (tlsKey == ""):
		problems = append(problems, fmt.Errorf("--tls-cert and --tls-key go together"))
	case tlsCert != "":
		if _, err := tls.LoadX509KeyPair(tlsCert, tlsKey); err != nil {
			problems = append(problems, fmt.Errorf("--tls-cert/--tls-key: %v", err))
		}
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		problems = append(problems, fmt.Errorf("--addr %q is not host:port: %v", addr, err))
	}
	if debugAddr != "" {
		if _, _, err := net.SplitHostPort(debugAddr); err != nil {
			problems = append(problems, fmt.Errorf("--debug-addr %q is not host:port: %v", debugAddr, err))
		}
	}
	if rate, burst := fs.Lookup("rate-limit").Value.String(), fs.Lookup("rate-burst").Value.String(); strings.HasPrefix(rate, "-") || strings.HasPrefix(burst, "-") {
		problems = append(problems, fmt.Errorf("--rate-limit and --rate-burst must not be negative"))
	}
	if logFormat != "text" && logFormat != "json" {
		problems = append(problems, fmt.Errorf("--log-format must be text or json, not %q", logFormat))
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

func newLogger(c *cli, format string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(c.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(c.stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
}

func cmdMigrate(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("migrate")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	st, err := c.openStore(ctx) // opening applies the migrations
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(c.stdout, "Migrations applied to %s.\n", c.db)
	return nil
}

func cmdBackup(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("backup")
	out := fs.String("out", "", "the file to write the copy to (must not exist)")
	if err := c.parse(fs, args, "out"); err != nil {
		return err
	}
	if isPostgres(c.db) {
		return fmt.Errorf("backup copies SQLite databases; for PostgreSQL use pg_dump (see docs/operations.md)")
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	s, ok := st.(*sqlstore.Store)
	if !ok {
		return fmt.Errorf("backup: unexpected store type %T", st)
	}
	if err := sqlite.Backup(ctx, s, *out); err != nil {
		return err
	}
	if c.json {
		return c.printJSON(map[string]any{"database": c.db, "backup": *out})
	}
	fmt.Fprintf(c.stdout, "Backed up %s to %s (a consistent copy; the server may keep running).\n", c.db, *out)
	return nil
}
