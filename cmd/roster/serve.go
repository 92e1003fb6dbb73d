package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only on --debug-addr
	"time"

	"github.com/rosterhq/roster/http/server"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/storage/sqlstore"
)

// shutdownGrace is how long in-flight requests get to finish on SIGTERM.
const shutdownGrace = 30 * time.Second

func cmdServe(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("serve")
	addr := fs.String("addr", c.env("ROSTER_ADDR", defaultAddr), "address to listen on (env ROSTER_ADDR)")
	logFormat := fs.String("log-format", c.env("ROSTER_LOG_FORMAT", "text"), "log format: text or json (env ROSTER_LOG_FORMAT)")
	debugAddr := fs.String("debug-addr", c.getenv("ROSTER_DEBUG_ADDR"), "if set, serve Go's pprof profiles on this address, e.g. 127.0.0.1:6060 (env ROSTER_DEBUG_ADDR)")
	if err := c.parse(fs, args); err != nil {
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
	public := c.baseURL
	if public == "" {
		public = "http://" + ln.Addr().String()
	}
	h := server.Handler(server.Config{
		Store:     st,
		PublicURL: public,
		Logger:    log,
		Ready:     func(r *http.Request) error { return st.Ping(r.Context()) },
	})
	if *debugAddr != "" {
		go func() {
			// pprof registers on http.DefaultServeMux, which nothing else uses.
			if err := http.ListenAndServe(*debugAddr, http.DefaultServeMux); err != nil {
				log.Error("debug listener", "err", err)
			}
		}()
	}
	srv := server.New(*addr, h, log)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	fmt.Fprintf(c.stdout, "Roster %s listening on %s (database %s)\n", version, public, redactDSN(c.db))
	if orgs, err := st.Orgs(ctx); err == nil && len(orgs) == 0 {
		fmt.Fprintf(c.stdout, "\nNo organization yet. Next, in another terminal:\n")
		fmt.Fprintf(c.stdout, "  roster org create --name \"Acme\" --db %s\n", c.db)
		fmt.Fprintf(c.stdout, "  roster directory create --org ORG_ID --name \"Entra ID\" --db %s --base-url %s\n", c.db, public)
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
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "out"); err != nil {
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
