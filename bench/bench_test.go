package bench

import (
	"strings"
	"testing"
)

func TestParsePhases(t *testing.T) {
	got, err := ParsePhases("lookup, create")
	if err != nil || strings.Join(got, ",") != "lookup,create" {
		t.Errorf("ParsePhases(lookup, create) = %v, %v", got, err)
	}
	for _, bad := range []string{"create,lokup", "", ","} {
		if _, err := ParsePhases(bad); err == nil || !strings.Contains(err.Error(), strings.Join(AllPhases, ", ")) {
			t.Errorf("ParsePhases(%q) = %v; want an error listing the phases", bad, err)
		}
	}
}
