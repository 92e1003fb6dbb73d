package domains_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/domains"
	"github.com/rosterhq/roster/domains/domainstest"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
)

func TestRecord(t *testing.T) {
	now := time.Now()
	d := roster.Domain{Status: roster.DomainPending}
	domains.Record(&d, "", roster.Errorf(roster.EInvalid, "", "no TXT record"), now)
	if d.Status != roster.DomainPending || d.LastError != "no TXT record" || !d.CheckedAt.Equal(now) {
		t.Errorf("failed first check: %+v", d)
	}
	domains.Record(&d, "https", nil, now)
	if d.Status != roster.DomainVerified || d.Method != "https" || d.LastError != "" || !d.VerifiedAt.Equal(now) {
		t.Errorf("success: %+v", d)
	}
	domains.Record(&d, "", roster.Errorf(roster.EInvalid, "", "gone"), now)
	if d.Status != roster.DomainFailing || d.LastError != "gone" || d.Method != "https" {
		t.Errorf("a verified domain that fails must be failing, not pending: %+v", d)
	}
}

// TestRecheckDue runs the periodic re-check against a real store: a
// domain whose proof disappears becomes failing, with an event; when the
// proof is back it is verified again; manual verifications are left alone.
func TestRecheckDue(t *testing.T) {
	ctx := context.Background()
	st, org := sqlitetest.New(t)
	for _, name := range []string{"acme.test", "manual.test"} {
		d := roster.Domain{OrgID: org.ID, Name: name, Token: "tok-" + name}
		if err := st.CreateDomain(ctx, &d); err != nil {
			t.Fatal(err)
		}
		method := "dns"
		if name == "manual.test" {
			method = "manual"
		}
		st.UpdateDomain(ctx, org.ID, name, func(d *roster.Domain) error {
			domains.Record(d, method, nil, time.Now().Add(-48*time.Hour))
			return nil
		})
	}
	records := domainstest.TXTRecords{}
	v := &domains.Verifier{Resolver: records, Timeout: time.Second}
	log := slog.New(slog.DiscardHandler)

	domains.RecheckDue(ctx, st, v, time.Now().Add(-24*time.Hour), log)
	d, _ := st.GetDomain(ctx, org.ID, "acme.test")
	if d.Status != roster.DomainFailing || d.LastError == "" {
		t.Fatalf("after the record vanished: %+v", d)
	}
	if m, _ := st.GetDomain(ctx, org.ID, "manual.test"); m.Status != roster.DomainVerified {
		t.Errorf("a manually verified domain was re-checked: %+v", m)
	}
	events, _ := st.ListEvents(ctx, org.ID, 0, 100)
	last := events[len(events)-1]
	if last.Action != "domain.failing" || last.Actor != "system:domain-recheck" {
		t.Errorf("last event = %+v, want domain.failing by the re-check", last)
	}
	var data roster.DomainFailingData
	if err := json.Unmarshal(last.Data, &data); err != nil || data.Domain != "acme.test" || data.Error != d.LastError || data.CheckedAt.IsZero() {
		t.Errorf("domain.failing data = %s (%v)", last.Data, err)
	}
	// A re-check that fails again is no new event.
	domains.RecheckDue(ctx, st, v, time.Now().Add(time.Minute), log)
	if again, _ := st.ListEvents(ctx, org.ID, last.Seq, 100); len(again) != 0 {
		t.Errorf("a domain failing again wrote %+v", again)
	}

	records["acme.test"] = []string{domains.TXTValue("tok-acme.test")}
	domains.RecheckDue(ctx, st, v, time.Now().Add(time.Minute), log)
	if d, _ := st.GetDomain(ctx, org.ID, "acme.test"); d.Status != roster.DomainVerified || d.Method != "dns" {
		t.Errorf("after the record came back: %+v", d)
	}
}
