package check

import (
	"fmt"
	"io"
	"strings"
)

// Status is a step's outcome.
type Status string

const (
	Pass Status = "pass"
	Fail Status = "fail" // a step the identity provider needs went wrong
	Warn Status = "warn" // something is off, but the identity provider copes
	Skip Status = "skip" // not run: what it needs failed before it, or the server does not offer it
)

// Report is a run's outcome, step by step. It holds no token and no
// header: it may be printed, stored and shared.
type Report struct {
	BaseURL string `json:"baseUrl"`
	Steps   []Step `json:"steps"`
	// Cleanup are the deletions of what the steps created and left.
	Cleanup []Step `json:"cleanup"`
	// Leftovers is what is still on the server: kept (Options.Keep) or
	// not deletable.
	Leftovers []Resource `json:"leftovers"`

	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Warnings int `json:"warnings"`
	Skipped  int `json:"skipped"`
}

// OK says whether every step the identity providers need passed.
func (r *Report) OK() bool { return r.Failed == 0 }

// Step finds a step by sequence and name (nil if there is none).
func (r *Report) Step(seq Sequence, name string) *Step {
	for i := range r.Steps {
		if r.Steps[i].Sequence == seq && r.Steps[i].Name == name {
			return &r.Steps[i]
		}
	}
	return nil
}

func (r *Report) count() {
	r.Passed, r.Failed, r.Warnings, r.Skipped = 0, 0, 0, 0
	for _, s := range r.Steps {
		switch s.Status {
		case Pass:
			r.Passed++
		case Fail:
			r.Failed++
		case Warn:
			r.Warnings++
		case Skip:
			r.Skipped++
		}
	}
}

// Step is one thing an identity provider does: one or more requests and
// the verdict on their answers.
type Step struct {
	Sequence Sequence `json:"sequence"`
	Name     string   `json:"name"`
	// Needed says the identity provider cannot work without this step
	// (for the rfc sequence: RFC 7644 requires it); a failed step that
	// is not needed is a warning.
	Needed    bool       `json:"needed"`
	Status    Status     `json:"status"`
	Exchanges []Exchange `json:"exchanges"`
	// Problem is what is wrong with the answer; Consequence what the
	// identity provider does about it; Fix what to change on the server.
	Problem     string `json:"problem,omitempty"`
	Consequence string `json:"consequence,omitempty"`
	Fix         string `json:"fix,omitempty"`
}

// Exchange is one request and its answer, as excerpts.
type Exchange struct {
	Method string `json:"method"`
	// Path is relative to the base URL, its query unescaped for reading.
	Path        string `json:"path"`
	RequestBody string `json:"requestBody,omitempty"`
	// Status is 0 when no answer came (Error says why).
	Status       int    `json:"status"`
	ResponseBody string `json:"responseBody,omitempty"`
	Error        string `json:"error,omitempty"`
}

func (x Exchange) line() string {
	got := fmt.Sprint(x.Status)
	if x.Error != "" {
		got = "no answer: " + x.Error
	}
	return x.Method + " " + x.Path + " → " + got
}

// Resource is something the checks created.
type Resource struct {
	Type string `json:"type"` // Users or Groups
	ID   string `json:"id"`
	Name string `json:"name"`
}

// WriteText writes the report for people: one line per step that passed,
// and for the others what was sent, what came back, what the identity
// provider does with it and how to fix it.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "Checking %s\n", r.BaseURL)
	var seq Sequence
	for _, s := range r.Steps {
		if s.Sequence != seq {
			seq = s.Sequence
			fmt.Fprintf(w, "\n%s\n", seq.Title())
		}
		mark := map[Status]string{Pass: "ok  ", Fail: "FAIL", Warn: "warn", Skip: "skip"}[s.Status]
		needed := ""
		if s.Needed && s.Status == Fail {
			needed = " (needed)"
		}
		fmt.Fprintf(w, "  %s  %s%s\n", mark, s.Name, needed)
		if s.Status == Pass {
			for _, x := range s.Exchanges {
				fmt.Fprintf(w, "        %s\n", x.line())
			}
			continue
		}
		for _, x := range s.Exchanges {
			fmt.Fprintf(w, "        sent  %s %s\n", x.Method, x.Path)
			if x.RequestBody != "" {
				fmt.Fprintf(w, "              %s\n", x.RequestBody)
			}
			if x.Error != "" {
				fmt.Fprintf(w, "        got   no answer: %s\n", x.Error)
			} else {
				fmt.Fprintf(w, "        got   %d %s\n", x.Status, x.ResponseBody)
			}
		}
		if s.Status == Skip {
			indent(w, "why", s.Problem)
			continue
		}
		indent(w, "problem", s.Problem)
		indent(w, who(s.Sequence), s.Consequence)
		indent(w, "fix", s.Fix)
	}
	if len(r.Cleanup) > 0 {
		deleted := 0
		for _, s := range r.Cleanup {
			if s.Status == Pass {
				deleted++
			}
		}
		fmt.Fprintf(w, "\nCleanup: deleted %d of %d resources the checks left.\n", deleted, len(r.Cleanup))
		for _, s := range r.Cleanup {
			if s.Status != Pass {
				fmt.Fprintf(w, "  warn  %s: %s\n", s.Name, s.Problem)
			}
		}
	}
	if len(r.Leftovers) > 0 {
		fmt.Fprintln(w, "\nStill on the server:")
		for _, l := range r.Leftovers {
			fmt.Fprintf(w, "  %s/%s  %s\n", l.Type, l.ID, l.Name)
		}
	}
	fmt.Fprintf(w, "\n%d passed, %d failed, %d warnings, %d skipped.\n", r.Passed, r.Failed, r.Warnings, r.Skipped)
	if r.OK() {
		fmt.Fprintln(w, "Every step the identity providers need passed.")
	} else {
		fmt.Fprintln(w, "Steps the identity providers need failed: see FAIL above.")
	}
}

func who(s Sequence) string {
	switch s {
	case Entra:
		return "Entra"
	case Okta:
		return "Okta"
	}
	return "clients"
}

func indent(w io.Writer, label, text string) {
	if text != "" {
		fmt.Fprintf(w, "        %-8s%s\n", label, strings.ReplaceAll(text, "\n", "\n                "))
	}
}
