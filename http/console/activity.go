package console

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

type activityPage struct {
	Events      []eventRow
	Directories []roster.Directory
	DirNames    map[string]string
	Filter      roster.EventFilter
	Next        string // older events; "" at the end
	Export      string // the export URL's query, filter included
}

// eventFilter reads the Activity page's filter from the query.
func eventFilter(r *http.Request) roster.EventFilter {
	q := r.URL.Query()
	f := roster.EventFilter{DirectoryID: q.Get("directory"), ResourceID: q.Get("resource"), Action: q.Get("action"), Actor: q.Get("actor")}
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	return f
}

func (s *Console) activity(w http.ResponseWriter, r *http.Request, a *session) error {
	f := eventFilter(r)
	events, err := s.store.SearchEvents(r.Context(), a.org.ID, f, pageSize+1)
	if err != nil {
		return err
	}
	p := activityPage{Filter: f}
	if len(events) > pageSize {
		events = events[:pageSize]
		q := r.URL.Query()
		q.Set("before", strconv.FormatInt(events[len(events)-1].Seq, 10))
		p.Next = r.URL.Path + "?" + q.Encode()
	}
	q := r.URL.Query()
	q.Del("before")
	p.Export = q.Encode()
	if p.Directories, p.DirNames, err = s.directoryNames(r, a); err != nil {
		return err
	}
	p.Events = eventRows(events, p.DirNames)
	return s.render(w, r, a, http.StatusOK, "activity", view{Title: "Activity", Section: "activity", Page: p})
}

// eventRow is an event with its actor in words.
type eventRow struct {
	roster.Event
	Who string
}

// eventRows says who acted in each event: a directory by its name (from
// dirNames), an admin by address, Roster itself or its command line.
func eventRows(events []roster.Event, dirNames map[string]string) []eventRow {
	rows := make([]eventRow, len(events))
	for i, e := range events {
		rows[i] = eventRow{Event: e, Who: who(e.Actor, dirNames)}
	}
	return rows
}

func who(actor string, dirNames map[string]string) string {
	kind, id, _ := strings.Cut(actor, ":")
	switch kind {
	case "directory":
		if name, ok := dirNames[id]; ok {
			return name + " (identity provider)"
		}
		return "a deleted directory (" + id + ")"
	case "admin":
		return id
	case "cli":
		return "the roster command line"
	case "system":
		if id != "" {
			return "Roster (" + id + ")"
		}
		return "Roster"
	}
	return actor
}

// exportBatch is how many events an export reads at a time: the export
// streams, whatever the trail's length.
const exportBatch = 1000

// exportActivity writes the events the filter selects, newest first, as
// CSV (?format=csv) or as JSON lines of one array (?format=json).
func (s *Console) exportActivity(w http.ResponseWriter, r *http.Request, a *session) error {
	f := eventFilter(r)
	format := r.URL.Query().Get("format")
	var write func(roster.Event) error
	var finish func() error
	stamp := s.now().UTC().Format("20060102-150405")
	switch format {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="roster-activity-`+stamp+`.csv"`)
		cw := csv.NewWriter(w)
		cw.Write([]string{"seq", "time", "actor", "action", "resource_type", "resource_id", "directory_id", "detail"})
		write = func(e roster.Event) error {
			return cw.Write([]string{strconv.FormatInt(e.Seq, 10), e.Time.UTC().Format(time.RFC3339Nano), e.Actor, e.Action,
				e.ResourceType, e.ResourceID, e.DirectoryID, e.Detail})
		}
		finish = func() error { cw.Flush(); return cw.Error() }
	case "json":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="roster-activity-`+stamp+`.json"`)
		first := true
		w.Write([]byte("[\n"))
		write = func(e roster.Event) error {
			b, err := json.Marshal(eventJSON(e))
			if err != nil {
				return err
			}
			if !first {
				w.Write([]byte(",\n"))
			}
			first = false
			_, err = w.Write(b)
			return err
		}
		finish = func() error { _, err := w.Write([]byte("\n]\n")); return err }
	default:
		return roster.Invalidf("", "export as csv or json, not %q", format)
	}
	for {
		events, err := s.store.SearchEvents(r.Context(), a.org.ID, f, exportBatch)
		if err != nil {
			// The response has started: all that is left is to cut it
			// short, so that no one takes a partial export for a whole one.
			s.log.ErrorContext(r.Context(), "activity export failed", "err", err)
			panic(http.ErrAbortHandler)
		}
		for _, e := range events {
			if err := write(e); err != nil {
				return nil // the client went away
			}
		}
		if len(events) < exportBatch {
			return finish()
		}
		f.Before = events[len(events)-1].Seq
	}
}

// eventJSON is an event as the JSON export writes it; detail stays JSON.
func eventJSON(e roster.Event) map[string]any {
	out := map[string]any{"seq": e.Seq, "time": e.Time.UTC().Format(time.RFC3339Nano), "actor": e.Actor, "action": e.Action,
		"resourceType": e.ResourceType, "resourceId": e.ResourceID}
	if e.DirectoryID != "" {
		out["directoryId"] = e.DirectoryID
	}
	if json.Valid([]byte(e.Detail)) {
		out["detail"] = json.RawMessage(e.Detail)
	} else if e.Detail != "" {
		out["detail"] = e.Detail
	}
	return out
}
