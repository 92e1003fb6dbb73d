package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rosterhq/roster/bench"
)

// benchCmd is `roster bench`: it talks to a server over SCIM, not to the
// database.
type benchCmd struct {
	noStore
	cfg    bench.Config
	phases string
}

func (cmd *benchCmd) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.cfg.BaseURL, "url", "", "the directory's SCIM base URL; several, comma-separated, for nodes on one database, taken in turn")
	fs.StringVar(&cmd.cfg.Token, "token", "", "the directory's API token")
	fs.IntVar(&cmd.cfg.Users, "users", 10000, "users to create and add to the big group")
	fs.IntVar(&cmd.cfg.Concurrency, "concurrency", 8, "concurrent requests")
	fs.IntVar(&cmd.cfg.Requests, "requests", 20000, "requests per read phase")
	fs.StringVar(&cmd.cfg.Prefix, "prefix", "", "userName prefix (default: unique per run); reuse one to run read phases against existing users")
	fs.IntVar(&cmd.cfg.ServerPID, "server-pid", 0, "the server's process ID, to report its memory")
	fs.StringVar(&cmd.phases, "phases", strings.Join(bench.AllPhases, ","), "phases to run, in this order: "+strings.Join(bench.AllPhases, ","))
	return []string{"url", "token"}
}

func (cmd *benchCmd) run(ctx context.Context, e *env) (output, error) {
	phases, err := bench.ParsePhases(cmd.phases)
	if err != nil {
		return nil, usageError{"bench: " + err.Error()}
	}
	cmd.cfg.BaseURL, cmd.cfg.Phases = strings.TrimRight(cmd.cfg.BaseURL, "/"), phases
	r := bench.New(cmd.cfg)
	rep, err := r.Run(ctx, e.stderr)
	if err != nil {
		return nil, err
	}
	return benchResult{rep, r.FirstError()}, nil
}

// benchResult is a run's report (never its token: see bench.Config).
type benchResult struct {
	*bench.Report
	firstError string
}

func (b benchResult) Text(w io.Writer) {
	b.WriteText(w)
	if b.firstError != "" {
		fmt.Fprintln(w, "first error:", b.firstError)
	}
}
