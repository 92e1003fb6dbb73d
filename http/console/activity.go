package console

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/users"
)

type activityPage struct {
	Events      []eventRow
	Directories []roster.Directory
	DirNames    map[string]string
	Filter      roster.EventFilter
	// The filters as typed: a date range (YYYY-MM-DD, UTC, both days
	// included) and someone (a user's userName, email address or ID, or
	// an admin's email address); Person says whom it found.
	From, To, User string
	Person         string
	Next           string // older events; "" at the end
	Export         string // the export URL's query, filter included
}

// dateForm is how the date filters are typed (an <input type=date>).
const dateForm = "2006-01-02"

// eventFilter reads the Activity page's filter from the query: the same
// for the page and its export. Dates are UTC days, the "to" day included.
// Someone is found among the organization's users (users.Find) and its
// admins: the events about them (their ID is the resource) and those they
// made (an admin's address is the actor). Someone found nowhere matches
// no event, and person says so.
func (s *Console) eventFilter(r *http.Request, a *session) (f roster.EventFilter, person string, err error) {
	q := r.URL.Query()
	f = roster.EventFilter{DirectoryID: q.Get("directory"), ResourceID: q.Get("resource"), Action: q.Get("action"), Actor: q.Get("actor")}
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	for _, d := range []struct {
		field string
		to    *time.Time
		add   int
	}{{"from", &f.Since, 0}, {"to", &f.Until, 1}} {
		v := strings.TrimSpace(q.Get(d.field))
		if v == "" {
			continue
		}
		day, err := time.Parse(dateForm, v)
		if err != nil {
			return f, "", roster.Invalidf("", "a date is written YYYY-MM-DD, such as 2026-03-01, not %q", v)
		}
		*d.to = day.AddDate(0, 0, d.add)
	}
	ref := strings.TrimSpace(q.Get("user"))
	if ref == "" {
		return f, "", nil
	}
	f.Involving = &roster.Involvement{}
	var found []string
	u, err := users.Find(r.Context(), s.store, a.org.ID, ref)
	switch {
	case err == nil:
		f.Involving.ResourceIDs = append(f.Involving.ResourceIDs, u.ID)
		found = append(found, "user "+u.UserName)
	case !isNotFound(err) && roster.ErrorCodeOf(err) != roster.EConflict:
		return f, "", err
	}
	if roster.IsEmailAddress(ref) {
		ad, err := s.store.GetAdminByEmail(r.Context(), a.org.ID, ref)
		switch {
		case err == nil:
			f.Involving.ResourceIDs = append(f.Involving.ResourceIDs, ad.ID)
			f.Involving.Actors = append(f.Involving.Actors, "admin:"+ad.Email)
			found = append(found, "admin "+ad.Email)
		case !isNotFound(err):
			return f, "", err
		}
	}
	if len(found) == 0 {
		return f, "nobody: the organization has no user or admin " + strconv.Quote(ref), nil
	}
	return f, strings.Join(found, " and "), nil
}

func isNotFound(err error) bool { return roster.ErrorCodeOf(err) == roster.ENotFound }

func (s *Console) activity(w http.ResponseWriter, r *http.Request, a *session) error {
	q := r.URL.Query()
	p := activityPage{From: q.Get("from"), To: q.Get("to"), User: q.Get("user")}
	f, person, ferr := s.eventFilter(r, a)
	p.Filter, p.Person = f, person
	var err error
	if p.Directories, p.DirNames, err = s.directoryNames(r, a); err != nil {
		return err
	}
	if roster.ErrorCodeOf(ferr) == roster.EInvalid {
		// A filter mistake stays on the page, above the filters as typed.
		return s.render(w, r, a, http.StatusBadRequest, "activity", view{Title: "Activity", Section: "activity", Error: roster.AsError(ferr).Detail, Page: p})
	} else if ferr != nil {
		return ferr
	}
	events, err := s.store.SearchEvents(r.Context(), a.org.ID, f, pageSize+1)
	if err != nil {
		return err
	}
	if len(events) > pageSize {
		events = events[:pageSize]
		q := r.URL.Query()
		q.Set("before", strconv.FormatInt(events[len(events)-1].Seq, 10))
		p.Next = r.URL.Path + "?" + q.Encode()
	}
	q.Del("before")
	p.Export = q.Encode()
	if p.Events, err = s.eventRows(r, a, events, p.DirNames); err != nil {
		return err
	}
	return s.render(w, r, a, http.StatusOK, "activity", view{Title: "Activity", Section: "activity", Page: p})
}

// eventRow is an event with its actor in words and the names of what it
// names by ID.
type eventRow struct {
	roster.Event
	Who           string
	ResourceName  string // "" when the resource is gone or has no name
	DirectoryName string
	GroupName     string // the name of the group the detail names (a grant's), if any
}

// detailGroup is the group ID an event's detail names ({"group": ID}, as
// grants and default groups record it); "" when none.
func detailGroup(e roster.Event) string {
	var d struct {
		Group any `json:"group"`
	}
	json.Unmarshal([]byte(e.Detail), &d)
	id, _ := d.Group.(string)
	return id
}

// eventRows says who acted in each event (a directory by its name, an
// admin by address, Roster itself or its command line) and names each
// event's resource and directory: one ListNames query for the page.
func (s *Console) eventRows(r *http.Request, a *session, events []roster.Event, dirNames map[string]string) ([]eventRow, error) {
	names, err := s.store.ListNames(r.Context(), a.org.ID, eventIDs(events))
	if err != nil {
		return nil, err
	}
	rows := make([]eventRow, len(events))
	for i, e := range events {
		rows[i] = eventRow{Event: e, Who: who(e.Actor, dirNames), ResourceName: names[e.ResourceID], DirectoryName: dirNames[e.DirectoryID],
			GroupName: names[detailGroup(e)]}
		if rows[i].ResourceName == e.ResourceID { // a product's key is its ID: no need to say it twice
			rows[i].ResourceName = ""
		}
	}
	return rows, nil
}

// eventIDs are the IDs events name: their resources, and the groups
// their details name.
func eventIDs(events []roster.Event) []string {
	ids := make([]string, 0, len(events))
	for _, e := range events {
		ids = append(ids, e.ResourceID)
		if g := detailGroup(e); g != "" {
			ids = append(ids, g)
		}
	}
	return ids
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
// CSV (?format=csv) or as JSON lines of one array (?format=json), with
// the names of what they name by ID (one ListNames query a batch). The
// CSV's name columns (resource_name, directory_name, who, group_name)
// come last, so that scripts reading the columns
// before them by position keep working.
func (s *Console) exportActivity(w http.ResponseWriter, r *http.Request, a *session) error {
	f, _, err := s.eventFilter(r, a)
	if err != nil {
		return err
	}
	_, dirNames, err := s.directoryNames(r, a)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	var write func(eventRow) error
	var finish func() error
	stamp := s.now().UTC().Format("20060102-150405")
	switch format {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="roster-activity-`+stamp+`.csv"`)
		cw := csv.NewWriter(w)
		cw.Write([]string{"seq", "time", "actor", "action", "resource_type", "resource_id", "directory_id", "detail", "resource_name", "directory_name", "who", "group_name"})
		write = func(e eventRow) error {
			return cw.Write([]string{strconv.FormatInt(e.Seq, 10), e.Time.UTC().Format(time.RFC3339Nano), e.Actor, e.Action,
				e.ResourceType, e.ResourceID, e.DirectoryID, e.Detail, e.ResourceName, e.DirectoryName, e.Who, e.GroupName})
		}
		finish = func() error { cw.Flush(); return cw.Error() }
	case "json":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="roster-activity-`+stamp+`.json"`)
		first := true
		w.Write([]byte("[\n"))
		write = func(e eventRow) error {
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
		var rows []eventRow
		if err == nil {
			rows, err = s.eventRows(r, a, events, dirNames)
		}
		if err != nil {
			// The response has started: all that is left is to cut it
			// short, so that no one takes a partial export for a whole one.
			s.log.ErrorContext(r.Context(), "activity export failed", "err", err)
			panic(http.ErrAbortHandler)
		}
		for _, e := range rows {
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
func eventJSON(e eventRow) map[string]any {
	out := map[string]any{"seq": e.Seq, "time": e.Time.UTC().Format(time.RFC3339Nano), "actor": e.Actor, "who": e.Who, "action": e.Action,
		"resourceType": e.ResourceType, "resourceId": e.ResourceID}
	if e.ResourceName != "" {
		out["resourceName"] = e.ResourceName
	}
	if e.GroupName != "" {
		out["groupName"] = e.GroupName
	}
	if e.DirectoryID != "" {
		out["directoryId"], out["directoryName"] = e.DirectoryID, e.DirectoryName
	}
	if json.Valid([]byte(e.Detail)) {
		out["detail"] = json.RawMessage(e.Detail)
	} else if e.Detail != "" {
		out["detail"] = e.Detail
	}
	return out
}
