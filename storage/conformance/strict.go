package conformance

import (
	"errors"
	"testing"
	"time"

	"github.com/rosterhq/roster"
)

// testDirectorySettings: a directory is lenient (not strict) when created;
// UpdateDirectory changes its strict setting for every read, in its own
// organization only, and an update that fails changes nothing.
func testDirectorySettings(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	if f.dir.Strict {
		t.Fatal("a new directory is strict")
	}
	d, err := s.UpdateDirectory(ctx, f.org.ID, f.dir.ID, func(d *roster.Directory) error {
		if d.Strict || d.Name != f.dir.Name {
			t.Errorf("update sees %+v", d)
		}
		d.Strict = true
		d.ID, d.OrgID = "other", other.org.ID // not the update's to change
		return nil
	})
	must(t, err)
	if !d.Strict || d.ID != f.dir.ID || d.OrgID != f.org.ID {
		t.Errorf("UpdateDirectory = %+v", d)
	}
	for name, read := range map[string]func() (*roster.Directory, error){
		"GetDirectory":  func() (*roster.Directory, error) { return s.GetDirectory(ctx, f.org.ID, f.dir.ID) },
		"FindDirectory": func() (*roster.Directory, error) { return s.FindDirectory(ctx, f.dir.ID) },
		"ListDirectories": func() (*roster.Directory, error) {
			l, err := s.ListDirectories(ctx, f.org.ID)
			if err != nil || len(l) != 1 {
				return nil, err
			}
			return &l[0], nil
		},
	} {
		got, err := read()
		must(t, err)
		if got == nil || !got.Strict || got.Name != f.dir.Name {
			t.Errorf("%s after the update = %+v, want strict", name, got)
		}
	}
	if o, _ := s.GetDirectory(ctx, other.org.ID, other.dir.ID); o == nil || o.Strict {
		t.Errorf("the other organization's directory = %+v, want it untouched", o)
	}
	// Another organization cannot reach the directory.
	_, err = s.UpdateDirectory(ctx, other.org.ID, f.dir.ID, func(d *roster.Directory) error { d.Strict = false; return nil })
	wantCode(t, err, roster.ENotFound)
	// A failing update writes nothing.
	boom := errors.New("boom")
	if _, err := s.UpdateDirectory(ctx, f.org.ID, f.dir.ID, func(d *roster.Directory) error { d.Strict = false; return boom }); !errors.Is(err, boom) {
		t.Errorf("failed update: %v, want boom", err)
	}
	if got, _ := s.GetDirectory(ctx, f.org.ID, f.dir.ID); got == nil || !got.Strict {
		t.Errorf("a failed update changed the directory: %+v", got)
	}
	d, err = s.UpdateDirectory(ctx, f.org.ID, f.dir.ID, func(d *roster.Directory) error { d.Strict = false; return nil })
	must(t, err)
	if got, _ := s.GetDirectory(ctx, f.org.ID, f.dir.ID); d.Strict || got == nil || got.Strict {
		t.Errorf("strict back off: %+v, read back %+v", d, got)
	}
}

// testRequestWarnings: the warning of an accepted request (what Roster
// ignored of it) is kept and read back with the request.
func testRequestWarnings(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	now := time.Now().UTC().Truncate(time.Microsecond)
	warning := `ignored attributes Roster does not know: adreses, "costCenter"`
	must(t, s.AppendRequests(ctx, []roster.Request{
		{OrgID: f.org.ID, DirectoryID: f.dir.ID, Time: now.Add(-time.Second), Method: "POST", Path: "/Users", Status: 201},
		{OrgID: f.org.ID, DirectoryID: f.dir.ID, Time: now, Method: "PUT", Path: "/Users/u1", Status: 200, Warning: warning},
	}))
	got, err := s.ListRequests(ctx, f.org.ID, f.dir.ID, false, 10)
	must(t, err)
	if len(got) != 2 || got[0].Warning != warning || got[1].Warning != "" {
		t.Fatalf("requests = %+v, want the PUT with its warning first", got)
	}
	st, err := s.GetRequestStats(ctx, f.org.ID, f.dir.ID, now.Add(-time.Hour))
	must(t, err)
	if st.Last == nil || st.Last.Warning != warning {
		t.Errorf("latest request = %+v, want its warning", st.Last)
	}
}
