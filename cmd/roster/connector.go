package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rosterhq/roster/connectors"
)

// connectorFlags are what every connector command shares: the
// organization, the connector, and what the use case needs from the
// operator (the secret key, whether private targets are allowed).
type connectorFlags struct{ oneRef }

func (f *connectorFlags) service(e *env) (*connectors.Service, error) {
	k, err := f.keys()
	if err != nil {
		return nil, err
	}
	return &connectors.Service{Store: e.st, Keys: k, AllowPrivate: f.private}, nil
}

// connectorView is a connector as printed: never its token.
type connectorView struct{ connectors.View }

func (v connectorView) Text(w io.Writer) {
	last := "never"
	if v.LastRun != nil {
		last = formatTime(*v.LastRun)
	}
	labelled(w, "ID", v.ID, "Name", v.Name, "Product", v.Product, "URL", v.URL, "On revoke", v.OnRevoke,
		"Groups", strconv.FormatBool(v.Groups), "Paused", strconv.FormatBool(v.Paused), "Dry run", strconv.FormatBool(v.DryRun), "Rate limit", strconv.Itoa(v.RateLimit)+" req/s",
		"Last pass", last, "In sync", strconv.Itoa(v.InSync), "Out of sync", strconv.Itoa(v.OutOfSync), "Last error", orNone(v.LastError))
	for _, g := range v.CheckGaps {
		fmt.Fprintf(w, "  Accepted check gap: %s\n", g)
	}
}

// connectorCreated is the result of create: the connector and what
// `roster check` found.
type connectorCreated struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	CheckGaps []string `json:"checkGaps"`
	Passed    int      `json:"checkPassed"`
	Failed    int      `json:"checkFailed"`
	Warnings  int      `json:"checkWarnings"`
}

func (v connectorCreated) Text(w io.Writer) {
	fmt.Fprintf(w, "Connector %s (%s) created. roster check: %d passed, %d failed, %d warnings.\n", v.ID, v.Name, v.Passed, v.Failed, v.Warnings)
	for _, g := range v.CheckGaps {
		fmt.Fprintf(w, "  Accepted with --force: %s\n", g)
	}
	fmt.Fprintln(w, "The server's next pass provisions every user with access (or run roster connector sync now).")
}

// connectorCreate is `roster connector create`.
type connectorCreate struct {
	connectorFlags
	product, url, token, name, onRevoke string
	groups, dryRun, force               bool
	rateLimit                           int
}

func (cmd *connectorCreate) flags(fs *flag.FlagSet) []string {
	cmd.define(fs)
	fs.StringVar(&cmd.product, "product", "", "the product whose users the application gets")
	fs.StringVar(&cmd.url, "url", "", "the application's SCIM base URL")
	fs.StringVar(&cmd.token, "token", "", "the application's SCIM bearer token (kept sealed, never shown again)")
	fs.StringVar(&cmd.name, "name", "", "a name (default: the URL's host)")
	fs.BoolVar(&cmd.groups, "groups", false, "push the product's granted groups too, each with its members that have access (nested groups' members included)")
	fs.StringVar(&cmd.onRevoke, "on-revoke", "deactivate", "what a user that loses access becomes in the application: deactivate (active false) or delete")
	fs.BoolVar(&cmd.dryRun, "dry-run", false, "compute what would be sent, send nothing (see roster connector preview)")
	fs.BoolVar(&cmd.force, "force", false, "accept an application that fails roster check steps the connector needs (the gaps are recorded)")
	fs.IntVar(&cmd.rateLimit, "rate-limit", connectors.DefaultRateLimit, "requests per second to the application at most (0: no limit)")
	return []string{"org", "product", "url", "token"}
}

func (cmd *connectorCreate) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	c, rep, err := svc.Create(cliCtx(ctx), connectors.CreateRequest{OrgID: cmd.org, Product: cmd.product, Name: cmd.name, URL: cmd.url, Token: cmd.token,
		Groups: cmd.groups, OnRevoke: cmd.onRevoke, DryRun: cmd.dryRun, Force: cmd.force, RateLimit: &cmd.rateLimit})
	if err != nil {
		return nil, err
	}
	v := connectors.ViewOf(c)
	return connectorCreated{ID: c.ID, Name: c.Name, CheckGaps: v.CheckGaps, Passed: rep.Passed, Failed: rep.Failed, Warnings: rep.Warnings}, nil
}

// connectorList is `roster connector list`.
type connectorList struct{ connectorFlags }

func (cmd *connectorList) flags(fs *flag.FlagSet) []string { cmd.define(fs); return []string{"org"} }

func (cmd *connectorList) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	cs, err := svc.List(ctx, cmd.org)
	if err != nil {
		return nil, err
	}
	out := list[connectors.View]{
		header: []string{"ID", "NAME", "PRODUCT", "URL", "STATE", "IN SYNC", "OUT OF SYNC"},
		row: func(v connectors.View) []string {
			state := "active"
			switch {
			case v.Paused:
				state = "paused"
			case v.DryRun:
				state = "dry-run"
			case v.LastError != "":
				state = "failing"
			}
			return []string{v.ID, v.Name, v.Product, v.URL, state, strconv.Itoa(v.InSync), strconv.Itoa(v.OutOfSync)}
		},
		empty: fmt.Sprintf("No connectors yet. Connect an application with: roster connector create --org %s --product KEY --url URL --token TOKEN", cmd.org),
	}
	for i := range cs {
		out.items = append(out.items, connectors.ViewOf(&cs[i]))
	}
	return out, nil
}

// connectorShow is `roster connector show`.
type connectorShow struct{ connectorFlags }

func (cmd *connectorShow) flags(fs *flag.FlagSet) []string { return cmd.defineWithID(fs, "connector") }

func (cmd *connectorShow) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	c, err := svc.Get(ctx, cmd.org, cmd.id)
	if err != nil {
		return nil, err
	}
	return connectorView{connectors.ViewOf(c)}, nil
}

// connectorUpdate is `roster connector update`; --token replaces the
// application's token.
type connectorUpdate struct {
	connectorFlags
	name, url, token, onRevoke, dryRun, groups string
	rateLimit                                  int
}

func (cmd *connectorUpdate) flags(fs *flag.FlagSet) []string {
	req := cmd.defineWithID(fs, "connector")
	fs.StringVar(&cmd.name, "name", "", "a new name")
	fs.StringVar(&cmd.url, "url", "", "a new SCIM base URL")
	fs.StringVar(&cmd.token, "token", "", "a new SCIM bearer token for the application")
	fs.StringVar(&cmd.onRevoke, "on-revoke", "", "deactivate or delete")
	fs.StringVar(&cmd.dryRun, "dry-run", "", "true: send nothing from now on; false: send again")
	fs.StringVar(&cmd.groups, "groups", "", "true: push the granted groups too; false: stop (the groups pushed so far stay in the application)")
	fs.IntVar(&cmd.rateLimit, "rate-limit", -1, "requests per second at most (0: no limit)")
	return req
}

func (cmd *connectorUpdate) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	var r connectors.UpdateRequest
	set := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	r.Name, r.URL, r.OnRevoke = set(cmd.name), set(cmd.url), set(cmd.onRevoke)
	if cmd.dryRun != "" {
		b, err := strconv.ParseBool(cmd.dryRun)
		if err != nil {
			return nil, usagef("--dry-run is true or false, not %q", cmd.dryRun)
		}
		r.DryRun = &b
	}
	if cmd.groups != "" {
		b, err := strconv.ParseBool(cmd.groups)
		if err != nil {
			return nil, usagef("--groups is true or false, not %q", cmd.groups)
		}
		r.Groups = &b
	}
	if cmd.rateLimit >= 0 {
		r.RateLimit = &cmd.rateLimit
	}
	if cmd.token != "" {
		if _, err := svc.ReplaceToken(cliCtx(ctx), cmd.org, cmd.id, cmd.token); err != nil {
			return nil, err
		}
	}
	c, err := svc.Update(cliCtx(ctx), cmd.org, cmd.id, r)
	if err != nil {
		return nil, err
	}
	return connectorView{connectors.ViewOf(c)}, nil
}

// connectorPause is `roster connector pause` and, with resume set,
// `roster connector resume`.
type connectorPause struct {
	connectorFlags
	resume bool
}

func (cmd *connectorPause) flags(fs *flag.FlagSet) []string { return cmd.defineWithID(fs, "connector") }

func (cmd *connectorPause) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	c, err := svc.Pause(cliCtx(ctx), cmd.org, cmd.id, !cmd.resume)
	if err != nil {
		return nil, err
	}
	return connectorView{connectors.ViewOf(c)}, nil
}

// passResult is a sync's or a preview's result.
type passResult struct{ *connectors.Result }

func (r passResult) Text(w io.Writer) {
	verb := "Changed"
	if r.Preview {
		verb = "Would change"
	}
	var counts []string
	for _, op := range []string{connectors.OpCreate, connectors.OpLink, connectors.OpUpdate, connectors.OpReactivate, connectors.OpDeactivate, connectors.OpDelete} {
		if n := r.Counts[op]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, op))
		}
	}
	if len(counts) == 0 {
		counts = []string{"nothing"}
	}
	fmt.Fprintf(w, "%s: %s (%d users considered, %d failed).\n", verb, strings.Join(counts, ", "), r.Considered, r.Failed)
	rows := [][]string{{"OP", "USER", "TARGET ID", "ATTRIBUTES", "ERROR"}}
	for _, c := range r.Changes {
		rows = append(rows, []string{c.Op, c.UserName, orNone(c.TargetID), orNone(strings.Join(c.Attributes, ",")), orNone(c.Error)})
	}
	if len(rows) > 1 {
		table(w, rows)
	}
	if r.Groups > 0 || len(r.GroupChanges) > 0 {
		var counts []string
		for _, op := range []string{connectors.OpCreate, connectors.OpLink, connectors.OpUpdate, connectors.OpDelete} {
			if n := r.GroupCounts[op]; n > 0 {
				counts = append(counts, fmt.Sprintf("%d %s", n, op))
			}
		}
		if len(counts) == 0 {
			counts = []string{"nothing"}
		}
		fmt.Fprintf(w, "Groups: %s (%d groups considered, %d failed).\n", strings.Join(counts, ", "), r.Groups, r.GroupsFailed)
		rows := [][]string{{"OP", "GROUP", "TARGET ID", "MEMBERS", "ERROR"}}
		for _, c := range r.GroupChanges {
			rows = append(rows, []string{c.Op, c.DisplayName, orNone(c.TargetID), fmt.Sprintf("+%d -%d", c.Added, c.Removed), orNone(c.Error)})
		}
		if len(rows) > 1 {
			table(w, rows)
		}
	}
	if r.More > 0 {
		fmt.Fprintf(w, "… and %d more.\n", r.More)
	}
}

// connectorSync is `roster connector sync`, and with preview set `roster
// connector preview`: a full pass now, in this process.
type connectorSync struct {
	connectorFlags
	preview bool
}

func (cmd *connectorSync) flags(fs *flag.FlagSet) []string { return cmd.defineWithID(fs, "connector") }

func (cmd *connectorSync) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	run := svc.Sync
	if cmd.preview {
		run = svc.Preview
	}
	res, err := run(cliCtx(ctx), cmd.org, cmd.id)
	if err != nil {
		return nil, err
	}
	return passResult{res}, nil
}

// connectorResend is `roster connector resend`: push again, now, what
// failed requests were about (the delivery log's USER column), instead of
// waiting for the next pass's retry.
type connectorResend struct {
	connectorFlags
	users  string
	groups bool
}

func (cmd *connectorResend) flags(fs *flag.FlagSet) []string {
	req := cmd.defineWithID(fs, "connector")
	fs.StringVar(&cmd.users, "user", "", "the users to push again, by ID, comma-separated (see connector deliveries --failed)")
	fs.BoolVar(&cmd.groups, "groups", false, "push the connector's groups again too")
	return req
}

func (cmd *connectorResend) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	var users []string
	for _, u := range strings.Split(cmd.users, ",") {
		if u = strings.TrimSpace(u); u != "" {
			users = append(users, u)
		}
	}
	res, err := svc.Resend(cliCtx(ctx), cmd.org, cmd.id, users, cmd.groups)
	if err != nil {
		return nil, err
	}
	return passResult{res}, nil
}

// connectorDeliveries is `roster connector deliveries`.
type connectorDeliveries struct {
	connectorFlags
	failed bool
	limit  int
}

func (cmd *connectorDeliveries) flags(fs *flag.FlagSet) []string {
	req := cmd.defineWithID(fs, "connector")
	fs.BoolVar(&cmd.failed, "failed", false, "only the requests that failed")
	fs.IntVar(&cmd.limit, "limit", 50, "how many, newest first")
	return req
}

func (cmd *connectorDeliveries) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	ds, err := svc.Deliveries(ctx, cmd.org, cmd.id, cmd.failed, cmd.limit)
	if err != nil {
		return nil, err
	}
	out := list[connectors.DeliveryView]{
		header: []string{"AT", "OP", "REQUEST", "STATUS", "ATTEMPTS", "LATENCY", "RESPONSE / ERROR"},
		row: func(d connectors.DeliveryView) []string {
			note := d.Response
			if d.Error != "" {
				note = d.Error
			}
			if len(note) > 60 {
				note = note[:60] + "…"
			}
			return []string{formatTime(d.At), d.Op, d.Method + " " + d.Path, strconv.Itoa(d.Status), strconv.Itoa(d.Attempts),
				strconv.FormatInt(d.LatencyMS, 10) + "ms", note}
		},
		empty: "No requests sent yet.",
	}
	for i := range ds {
		out.items = append(out.items, connectors.DeliveryViewOf(&ds[i]))
	}
	return out, nil
}

// connectorDelete is `roster connector delete`.
type connectorDelete struct{ connectorFlags }

func (cmd *connectorDelete) flags(fs *flag.FlagSet) []string {
	return cmd.defineWithID(fs, "connector")
}

func (cmd *connectorDelete) run(ctx context.Context, e *env) (output, error) {
	svc, err := cmd.service(e)
	if err != nil {
		return nil, err
	}
	if err := svc.Delete(cliCtx(ctx), cmd.org, cmd.id); err != nil {
		return nil, err
	}
	return done{"Connector " + cmd.id + " deleted, with its links and delivery log; the users and groups it made stay in the application."}, nil
}
