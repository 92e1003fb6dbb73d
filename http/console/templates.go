package console

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// parsePages parses every page template with the layout. Each page file
// defines "content"; the layout around it is shared. A template that does
// not parse is a bug caught by any test that starts the console.
func parsePages() map[string]*template.Template {
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html"))
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(files, file))
	}
	return pages
}

var funcs = template.FuncMap{
	"orgPath":  orgPath,
	"when":     when,
	"ago":      ago,
	"plural":   plural,
	"noun":     noun,
	"provider": IdentityProvider,
	"status": func(t roster.Token) roster.TokenStatus {
		return t.Status(time.Now())
	},
	// state is a token's status as the console shows it: "retiring" for
	// a rotated token in its grace period, which still works until it
	// expires but is not the one to keep.
	"state": func(t roster.Token) string {
		if t.Retiring(time.Now()) {
			return "retiring"
		}
		return string(t.Status(time.Now()))
	},
	"ms": func(d time.Duration) string {
		if d < 10*time.Millisecond {
			return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
		}
		return fmt.Sprintf("%d ms", d.Milliseconds())
	},
	"sub":     func(a, b int) int { return a - b },
	"shorten": shorten,
	"percent": func(part, whole int) string {
		if whole == 0 {
			return "0%"
		}
		return fmt.Sprintf("%.0f%%", 100*float64(part)/float64(whole))
	},
}

// when formats a time for a table: UTC, to the second; "never" for zero.
func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// ago says how long ago (or in how long) t is, roughly, as people say it.
func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Since(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute && future:
		return "in under a minute"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		s = plural(int(d/time.Hour), "hour")
	default:
		s = plural(int(d/(24*time.Hour)), "day")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}
