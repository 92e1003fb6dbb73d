package console

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/rosterhq/roster/check"
)

// TestCheckSummaryFitsTheSlot: however long and however full of
// characters JSON escapes a report's problems are, the summary that rides
// in the one-time slot's cookie stays within its bound, failures first,
// with the steps it leaves out counted.
func TestCheckSummaryFitsTheSlot(t *testing.T) {
	rep := &check.Report{Passed: 3, Failed: 12, Warnings: 5}
	for i := range 5 {
		rep.Steps = append(rep.Steps, check.Step{Sequence: check.Okta, Name: fmt.Sprintf("warned %d", i), Status: check.Warn, Problem: "odd"})
	}
	for i := range 12 {
		rep.Steps = append(rep.Steps, check.Step{Sequence: check.Entra, Name: fmt.Sprintf("failed %d", i), Status: check.Fail, Problem: strings.Repeat(`<"&>`, 300)})
	}
	rep.Steps = append(rep.Steps, check.Step{Sequence: check.Okta, Name: "passed", Status: check.Pass})
	sum := summarize(rep)
	b, _ := json.Marshal(sum)
	if len(b) > summaryBytes {
		t.Errorf("the summary is %d bytes of JSON, over %d", len(b), summaryBytes)
	}
	if len(sum.Notes) == 0 || len(sum.Notes)+sum.More != 17 {
		t.Fatalf("%d notes and %d more, want 17 steps that did not pass in all", len(sum.Notes), sum.More)
	}
	for _, n := range sum.Notes {
		if n.Status != "fail" {
			t.Errorf("a %s step kept while failures were left out", n.Status)
		}
	}
	if sum.Passed != 3 || sum.Failed != 12 || sum.Warnings != 5 {
		t.Errorf("counts %+v", sum)
	}
}
