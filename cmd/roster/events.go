package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/feed"
)

// The change feed from the command line: `roster events list` reads (or
// --follow's) an organization's normalized events after a sequence number,
// `roster events snapshot` writes a consistent snapshot to start from. Both
// call package feed, as the admin API's /events and /snapshot do, so the
// two never differ.

// eventsList is `roster events list`.
type eventsList struct {
	org, types string
	after      int64
	limit      int
	follow     bool
	interval   time.Duration
}

func (cmd *eventsList) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	fs.Int64Var(&cmd.after, "after", 0, "the sequence number to read after (a page's next, or a snapshot's seq)")
	fs.StringVar(&cmd.types, "types", "", "comma-separated event types or patterns, e.g. user.*,access.* (default every event but the webhooks' own)")
	fs.IntVar(&cmd.limit, "limit", feed.DefaultLimit, fmt.Sprintf("events per page, 1 to %d", feed.MaxLimit))
	fs.BoolVar(&cmd.follow, "follow", false, "keep reading: print new events as they commit, until interrupted (--json: one event per line)")
	fs.DurationVar(&cmd.interval, "interval", time.Second, "with --follow, how often to ask when up to date")
	return []string{"org"}
}

// eventItem is one event as the command prints it: the feed's item (the
// same JSON a webhook delivers) with its audit fields, as /events returns it.
type eventItem struct {
	feed.Item
	Actor        string          `json:"actor"`
	ResourceType string          `json:"resourceType"`
	ResourceID   string          `json:"resourceId"`
	DirectoryID  string          `json:"directoryId"`
	Detail       json.RawMessage `json:"detail"`
}

func newEventItem(e *roster.Event) eventItem {
	detail := json.RawMessage(e.Detail)
	if !json.Valid(detail) {
		detail = json.RawMessage("{}")
	}
	return eventItem{Item: feed.NewItem(e), Actor: e.Actor, ResourceType: e.ResourceType, ResourceID: e.ResourceID,
		DirectoryID: e.DirectoryID, Detail: detail}
}

// row is the event for people: seq, time, type, resource, and what it is
// about (a user's name, a group's, a membership's two).
func (it eventItem) row() []string {
	var d struct {
		UserName, DisplayName string
		Group                 struct{ DisplayName string }
		Member                struct{ Display string }
		User                  struct{ UserName string }
		Product               struct{ Key string }
	}
	raw, _ := json.Marshal(it.Data)
	json.Unmarshal(raw, &d)
	about := d.UserName
	switch {
	case d.Member.Display != "":
		about = d.Group.DisplayName + " ← " + d.Member.Display
	case d.Product.Key != "":
		about = d.User.UserName + " · " + d.Product.Key
	case about == "":
		about = d.DisplayName
	}
	t, _ := time.Parse(time.RFC3339Nano, it.Timestamp)
	return []string{fmt.Sprint(it.Seq), t.UTC().Format("2006-01-02 15:04:05"), it.Type, it.ResourceType + " " + it.ResourceID, orNone(about)}
}

var eventHeader = []string{"SEQ", "TIME (UTC)", "TYPE", "RESOURCE", "ABOUT"}

// eventsPage is one page: --json prints {"events": [...], "next": seq}, as
// the admin API does; people get a table and the command for the next page.
type eventsPage struct {
	Events []eventItem `json:"events"`
	Next   int64       `json:"next"`
	org    string
}

func (p eventsPage) Text(w io.Writer) {
	if len(p.Events) == 0 {
		fmt.Fprintf(w, "No events after %d: up to date. Ask again later with --after %d.\n", p.Next, p.Next)
		return
	}
	rows := [][]string{eventHeader}
	for _, it := range p.Events {
		rows = append(rows, it.row())
	}
	table(w, rows)
	fmt.Fprintf(w, "\nNext page: roster events list --org %s --after %d\n", p.org, p.Next)
}

func (cmd *eventsList) run(ctx context.Context, e *env) (output, error) {
	if cmd.limit < 1 || cmd.limit > feed.MaxLimit {
		return nil, usagef("--limit is 1 to %d, not %d", feed.MaxLimit, cmd.limit)
	}
	if cmd.interval <= 0 {
		return nil, usagef("--interval must be positive")
	}
	if _, err := e.st.GetOrg(ctx, cmd.org); err != nil {
		return nil, err
	}
	var types []string
	if cmd.types != "" {
		types = strings.Split(cmd.types, ",")
	}
	svc := feed.Service{Store: e.st}
	if !cmd.follow {
		page, err := svc.Events(ctx, cmd.org, cmd.after, types, cmd.limit)
		if err != nil {
			return nil, err
		}
		out := eventsPage{Events: []eventItem{}, Next: page.Next, org: cmd.org}
		for i := range page.Events {
			out.Events = append(out.Events, newEventItem(&page.Events[i]))
		}
		return out, nil
	}
	return nil, cmd.followFeed(ctx, e, &svc, types)
}

// followFeed prints events as they come, a line each (JSON Lines with
// --json), until ctx ends: an interrupt is the normal way out, and exits 0.
// Each page is flushed before waiting, so a pipe sees events at once.
func (cmd *eventsList) followFeed(ctx context.Context, e *env, svc *feed.Service, types []string) error {
	w := bufio.NewWriter(e.stdout)
	enc := json.NewEncoder(w)
	after := cmd.after
	if !e.json {
		fmt.Fprintln(w, strings.Join(eventHeader, "\t"))
	}
	for {
		page, err := svc.Events(ctx, cmd.org, after, types, cmd.limit)
		if ctx.Err() != nil {
			return w.Flush()
		}
		if err != nil {
			w.Flush()
			return err
		}
		for i := range page.Events {
			it := newEventItem(&page.Events[i])
			if e.json {
				enc.Encode(it)
			} else {
				fmt.Fprintln(w, strings.Join(it.row(), "\t"))
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		after = page.Next
		if len(page.Events) == cmd.limit {
			continue // more are waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(cmd.interval):
		}
	}
}

// eventsSnapshot is `roster events snapshot`.
type eventsSnapshot struct {
	org, resource, out string
}

func (cmd *eventsSnapshot) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.org, "org", "", "the organization's ID")
	fs.StringVar(&cmd.resource, "resource", "", "users, groups, memberships or access")
	fs.StringVar(&cmd.out, "out", "", "the file to write, one JSON item per line (- for standard output)")
	return []string{"org", "resource", "out"}
}

// snapshotWritten is what a snapshot wrote: follow the feed from Seq.
type snapshotWritten struct {
	Resource roster.SnapshotResource `json:"resource"`
	Seq      int64                   `json:"seq"`
	Items    int                     `json:"items"`
	Out      string                  `json:"out"`
	org      string
}

func (s snapshotWritten) Text(w io.Writer) {
	fmt.Fprintf(w, "Wrote %d %s to %s, as of event %d.\nFollow the changes since: roster events list --org %s --after %d\n",
		s.Items, s.Resource, s.Out, s.Seq, s.org, s.Seq)
}

func (cmd *eventsSnapshot) run(ctx context.Context, e *env) (output, error) {
	if _, err := e.st.GetOrg(ctx, cmd.org); err != nil {
		return nil, err
	}
	svc := feed.Service{Store: e.st}
	// The first page decides the resource (and refuses an unknown one)
	// before any file is made.
	page, err := svc.Snapshot(ctx, cmd.org, roster.SnapshotResource(cmd.resource), "", feed.MaxLimit)
	if err != nil {
		return nil, err
	}
	dest := e.stdout
	if cmd.out != "-" {
		f, err := os.Create(cmd.out)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		dest = f
	}
	w := bufio.NewWriter(dest)
	res := snapshotWritten{Resource: page.Resource, Seq: page.Seq, Out: cmd.out, org: cmd.org}
	for {
		for _, it := range page.Items {
			w.Write(it)
			w.WriteByte('\n')
		}
		res.Items += len(page.Items)
		if page.Cursor == "" {
			break
		}
		if page, err = svc.Snapshot(ctx, cmd.org, "", page.Cursor, feed.MaxLimit); err != nil {
			return nil, err
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	if f, ok := dest.(*os.File); ok && cmd.out != "-" {
		if err := f.Sync(); err != nil {
			return nil, err
		}
	}
	if cmd.out == "-" {
		// The items are the output: the summary goes to standard error.
		res.Text(e.stderr)
		return nil, nil
	}
	return res, nil
}
