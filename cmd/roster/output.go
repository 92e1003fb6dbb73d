package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// list is a result that is a list of items: --json prints the items (an
// empty array, never null); people get a table with one row per item, or
// the hint empty when there are none, and then whatever footer adds.
type list[T any] struct {
	items  []T
	header []string
	row    func(T) []string
	empty  string          // printed instead of an empty table, when set
	footer func(io.Writer) // optional
}

func (l list[T]) MarshalJSON() ([]byte, error) {
	if l.items == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(l.items)
}

func (l list[T]) Text(w io.Writer) {
	if len(l.items) == 0 && l.empty != "" {
		fmt.Fprintln(w, l.empty)
		return
	}
	rows := [][]string{l.header}
	for _, it := range l.items {
		rows = append(rows, l.row(it))
	}
	table(w, rows)
	if l.footer != nil {
		l.footer(w)
	}
}

// table writes aligned rows for people.
func table(w io.Writer, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

// labelled writes "  Label   value" lines, aligned.
func labelled(w io.Writer, pairs ...string) {
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(tw, "  %s\t%s\n", pairs[i], pairs[i+1])
	}
	tw.Flush()
}

// timestamp is a time in --json output: RFC 3339 in UTC, or null when it is
// unset (the zero time).
type timestamp time.Time

func (t timestamp) IsZero() bool { return time.Time(t).IsZero() }

func (t timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(time.Time(t).UTC().Format(time.RFC3339))
}

// String is the time for people.
func (t timestamp) String() string { return formatTime(time.Time(t)) }

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
