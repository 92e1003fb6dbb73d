package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/bench"
)

func cmdBench(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlags("bench")
	base := fs.String("url", "", "the directory's SCIM base URL")
	token := fs.String("token", "", "the directory's API token")
	users := fs.Int("users", 10000, "users to create and add to the big group")
	conc := fs.Int("concurrency", 8, "concurrent requests")
	requests := fs.Int("requests", 20000, "requests per read phase")
	prefix := fs.String("prefix", "", "userName prefix (default: unique per run); reuse one to run read phases against existing users")
	pid := fs.Int("server-pid", 0, "the server's process ID, to report its memory")
	phases := fs.String("phases", strings.Join(bench.AllPhases, ","), "phases to run, in this order: "+strings.Join(bench.AllPhases, ","))
	if err := c.parse(fs, args, "url", "token"); err != nil {
		return err
	}
	r := bench.New(bench.Config{
		BaseURL: strings.TrimRight(*base, "/"), Token: *token, Users: *users, Concurrency: *conc,
		Requests: *requests, Prefix: *prefix, ServerPID: *pid, Phases: strings.Split(*phases, ","),
	})
	rep, err := r.Run(ctx, c.stderr)
	if err != nil {
		return err
	}
	if c.json {
		return c.printJSON(rep)
	}
	rep.WriteText(c.stdout)
	if e := r.FirstError(); e != "" {
		fmt.Fprintln(c.stdout, "first error:", e)
	}
	return nil
}
