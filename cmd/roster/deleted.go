package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/deletions"
)

// Deletion you can undo: `roster directory deleted`, `roster user restore`,
// `roster group restore`, `roster directory restore --since` and
// `roster directory policy`, all through the deletions use case.

// ids is a flag that may be given several times, each time one ID or a
// comma-separated list.
type ids []string

func (l *ids) String() string { return strings.Join(*l, ",") }

func (l *ids) Set(v string) error {
	for _, id := range strings.Split(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			*l = append(*l, id)
		}
	}
	return nil
}

// directoryScope looks the directory up (the command line acts for every
// organization) and returns its scope.
func directoryScope(ctx context.Context, e *env, dirID string) (roster.DirectoryScope, error) {
	d, err := e.st.FindDirectory(ctx, dirID)
	if err != nil {
		return roster.DirectoryScope{}, err
	}
	return roster.DirectoryScope{OrgID: d.OrgID, DirectoryID: d.ID}, nil
}

// deletedJSON is a deleted user or group in --json output.
type deletedJSON struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Name       string    `json:"name"`
	Groups     int       `json:"groups"`
	Members    int       `json:"members"`
	Grants     []string  `json:"grants"`
	Deleted    timestamp `json:"deleted"`
	DeletedBy  string    `json:"deletedBy"`
	PurgeAfter timestamp `json:"purgeAfter"`
}

// directoryDeleted is `roster directory deleted`.
type directoryDeleted struct {
	dir, typ string
	limit    int
}

func (cmd *directoryDeleted) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "the directory's ID")
	fs.StringVar(&cmd.typ, "type", "", "users or groups (default both)")
	fs.IntVar(&cmd.limit, "limit", 100, "list at most this many, newest deletion first")
	return []string{"directory"}
}

func (cmd *directoryDeleted) run(ctx context.Context, e *env) (output, error) {
	sc, err := directoryScope(ctx, e, cmd.dir)
	if err != nil {
		return nil, err
	}
	if cmd.limit < 1 {
		return nil, usagef("--limit must be at least 1")
	}
	svc := deletions.Service{Store: e.st}
	found, err := svc.List(ctx, sc, cmd.typ, cmd.limit)
	if err != nil {
		return nil, err
	}
	mass, err := svc.Mass(ctx, sc)
	if err != nil {
		return nil, err
	}
	out := list[deletedJSON]{
		header: []string{"ID", "TYPE", "NAME", "DELETED", "BY", "RESTORABLE UNTIL"},
		row: func(d deletedJSON) []string {
			return []string{d.ID, d.Type, d.Name, d.Deleted.String(), d.DeletedBy, d.PurgeAfter.String()}
		},
		empty: "Nothing deleted that can still be restored.",
		footer: func(w io.Writer) {
			if mass.Warning {
				fmt.Fprintf(w, "\nMass deletion: %d of %d users deleted in the last hour (threshold %d). Undo it with:\n  roster directory restore --directory %s --since 1h\n",
					mass.Deleted, mass.Users, mass.Threshold, cmd.dir)
			}
		},
	}
	for _, d := range found {
		out.items = append(out.items, deletedJSON{d.ID, d.Type, d.Name, len(d.MemberOf), len(d.Members), append([]string{}, d.Grants...),
			timestamp(d.Deleted), d.DeletedBy, timestamp(d.PurgeAfter)})
	}
	return out, nil
}

// restored is the outcome of a restore command.
type restored struct{ *deletions.Restored }

func (r restored) Text(w io.Writer) {
	for _, o := range r.Outcomes {
		if o.Reason == "" {
			fmt.Fprintf(w, "Restored %s %s (%s).\n", strings.ToLower(o.Type), o.Name, o.ID)
		} else {
			fmt.Fprintf(w, "Not restored: %s: %s [%s]\n", o.ID, o.Error, o.Reason)
		}
	}
	if len(r.Outcomes) == 0 {
		fmt.Fprintln(w, "Nothing to restore.")
	}
}

// restoreResult turns a restore into the command's result: for a single
// ID that failed, its error; otherwise, when some failed, an error saying
// how many (each is printed).
func restoreResult(res *deletions.Restored, single bool) (output, error) {
	switch {
	case single && res.Failed == 1:
		return nil, res.Outcomes[0].Err
	case res.Failed > 0:
		return restored{res}, roster.Errorf(roster.EConflict, "", "%d of %d could not be restored; see above", res.Failed, len(res.Outcomes))
	}
	return restored{res}, nil
}

// resourceRestore is `roster user restore` and `roster group restore`.
type resourceRestore struct {
	kind string // "user" or "group"
	dir  string
	ids  ids
}

func (cmd *resourceRestore) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "the directory's ID")
	fs.Var(&cmd.ids, cmd.kind, "the deleted "+cmd.kind+"'s ID (repeat, or separate with commas, for several)")
	return []string{"directory", cmd.kind}
}

func (cmd *resourceRestore) run(ctx context.Context, e *env) (output, error) {
	sc, err := directoryScope(ctx, e, cmd.dir)
	if err != nil {
		return nil, err
	}
	res, err := (&deletions.Service{Store: e.st}).Restore(cliCtx(ctx), sc, cmd.ids)
	if err != nil {
		return nil, err
	}
	return restoreResult(res, len(cmd.ids) == 1)
}

// directoryRestore is `roster directory restore --since`: the undo of a
// mass deletion.
type directoryRestore struct {
	dir   string
	since time.Duration
}

func (cmd *directoryRestore) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "the directory's ID")
	fs.DurationVar(&cmd.since, "since", 0, "restore every user and group deleted within this long (1h, 30m)")
	return []string{"directory", "since"}
}

func (cmd *directoryRestore) run(ctx context.Context, e *env) (output, error) {
	if cmd.since <= 0 {
		return nil, usagef("--since must be a positive duration, such as 1h")
	}
	sc, err := directoryScope(ctx, e, cmd.dir)
	if err != nil {
		return nil, err
	}
	res, err := (&deletions.Service{Store: e.st}).RestoreSince(cliCtx(ctx), sc, time.Now().Add(-cmd.since))
	if err != nil {
		return nil, err
	}
	return restoreResult(res, false)
}

// directoryPolicy is `roster directory policy`: shows the deletion policy,
// or changes the parts given.
type directoryPolicy struct {
	dir, retention, percent string
	minimum                 int
}

func (cmd *directoryPolicy) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.dir, "directory", "", "the directory's ID")
	fs.StringVar(&cmd.retention, "retention", "", "how long deleted users and groups stay restorable (30d, 12h; 0 purges at once)")
	fs.StringVar(&cmd.percent, "mass-threshold", "", "share of the directory's users deleted within an hour that is a mass deletion (10%)")
	fs.IntVar(&cmd.minimum, "mass-minimum", 0, "fewest deletions within an hour that can be a mass deletion")
	return []string{"directory"}
}

// policyJSON is a deletion policy in --json output.
type policyJSON struct {
	DirectoryID      string `json:"directoryId"`
	Retention        string `json:"retention"`
	RetentionSeconds int64  `json:"retentionSeconds"`
	MassPercent      int    `json:"massPercent"`
	MassMinimum      int    `json:"massMinimum"`
}

func (p policyJSON) Text(w io.Writer) {
	labelled(w, "Directory", p.DirectoryID, "Retention", p.Retention, "Mass deletion",
		strconv.Itoa(p.MassPercent)+"% of users within an hour, at least "+strconv.Itoa(p.MassMinimum))
}

func (cmd *directoryPolicy) run(ctx context.Context, e *env) (output, error) {
	sc, err := directoryScope(ctx, e, cmd.dir)
	if err != nil {
		return nil, err
	}
	svc := deletions.Service{Store: e.st}
	var ch deletions.PolicyChange
	changed := false
	if cmd.retention != "" {
		d, err := deletions.ParseRetention(cmd.retention)
		if err != nil {
			return nil, err
		}
		ch.Retention, changed = &d, true
	}
	if cmd.percent != "" {
		n, err := deletions.ParsePercent(cmd.percent)
		if err != nil {
			return nil, err
		}
		ch.MassPercent, changed = &n, true
	}
	if cmd.minimum != 0 {
		ch.MassMinimum, changed = &cmd.minimum, true
	}
	var p *roster.DeletionPolicy
	if changed {
		p, err = svc.SetPolicy(cliCtx(ctx), sc, ch)
	} else {
		p, err = svc.Policy(ctx, sc)
	}
	if err != nil {
		return nil, err
	}
	return policyJSON{p.DirectoryID, deletions.FormatRetention(p.Retention), int64(p.Retention / time.Second), p.MassPercent, p.MassMinimum}, nil
}
