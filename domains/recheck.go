package domains

import (
	"context"
	"log/slog"
	"time"

	"github.com/rosterhq/roster"
)

// Record applies the outcome of a verification to d: verified by method
// on success; on failure the reason is kept, and a domain that was
// verified becomes failing (flagged for the admin, its accounts still
// managed) rather than pending.
func Record(d *roster.Domain, method string, err error, now time.Time) {
	d.CheckedAt = now
	if err == nil {
		d.Status, d.Method, d.VerifiedAt, d.LastError = roster.DomainVerified, method, now, ""
		return
	}
	d.LastError = roster.AsError(err).Detail
	if d.Managed() {
		d.Status = roster.DomainFailing
	}
}

// DomainStore is what the re-check needs of a roster.Store.
type DomainStore interface {
	ListDomainsDue(ctx context.Context, checkedBefore time.Time, limit int) ([]roster.Domain, error)
	UpdateDomain(ctx context.Context, orgID, name string, update func(*roster.Domain) error) (*roster.Domain, error)
}

// Recheck checks verified domains again every interval, until ctx ends: a
// domain whose proof is gone becomes failing (and an event says so), one
// whose proof is back becomes verified again. Domains verified manually
// are left alone. With several nodes each re-checks; the outcome is the
// same whichever does.
func Recheck(ctx context.Context, st DomainStore, v *Verifier, interval time.Duration, log *slog.Logger) {
	tick := min(interval, 10*time.Minute)
	for {
		RecheckDue(ctx, st, v, time.Now().Add(-interval), log)
		select {
		case <-ctx.Done():
			return
		case <-time.After(tick):
		}
	}
}

// RecheckDue checks the domains last checked before checkedBefore, once.
func RecheckDue(ctx context.Context, st DomainStore, v *Verifier, checkedBefore time.Time, log *slog.Logger) {
	due, err := st.ListDomainsDue(ctx, checkedBefore, 100)
	if err != nil {
		log.WarnContext(ctx, "domain re-check: listing domains", "err", err)
		return
	}
	for _, d := range due {
		if ctx.Err() != nil {
			return
		}
		if d.Method == "manual" {
			continue
		}
		method, checkErr := v.Verify(ctx, d.Name, d.Token, MethodAny)
		ctx := roster.WithActor(ctx, "system:domain-recheck")
		updated, err := st.UpdateDomain(ctx, d.OrgID, d.Name, func(d *roster.Domain) error {
			Record(d, method, checkErr, time.Now())
			return nil
		})
		switch {
		case err != nil:
			log.WarnContext(ctx, "domain re-check: recording the outcome", "domain", d.Name, "err", err)
		case updated.Status == roster.DomainFailing:
			log.WarnContext(ctx, "domain no longer verifies", "org", d.OrgID, "domain", d.Name, "reason", updated.LastError)
		}
	}
}

// VerifyStore is what VerifyNow needs of a roster.Store.
type VerifyStore interface {
	GetDomain(ctx context.Context, orgID, name string) (*roster.Domain, error)
	UpdateDomain(ctx context.Context, orgID, name string, update func(*roster.Domain) error) (*roster.Domain, error)
}

// VerifyNow checks a domain of an organization at once, by method ("dns",
// "https", "" for either, or "manual": an admin's audited override) and
// records the outcome. It returns the domain as recorded and, separately,
// why the check failed (nil when it passed).
func VerifyNow(ctx context.Context, st VerifyStore, v *Verifier, orgID, name, method string) (*roster.Domain, error, error) {
	switch method {
	case MethodAny, MethodDNS, MethodHTTPS, "manual":
	default:
		return nil, nil, roster.Errorf(roster.EInvalid, "", "method must be dns, https or manual, not %q", method)
	}
	d, err := st.GetDomain(ctx, orgID, name)
	if err != nil {
		return nil, nil, err
	}
	used, checkErr := "manual", error(nil)
	if method != "manual" {
		used, checkErr = v.Verify(ctx, d.Name, d.Token, method)
	}
	updated, err := st.UpdateDomain(ctx, orgID, d.Name, func(d *roster.Domain) error {
		Record(d, used, checkErr, time.Now())
		return nil
	})
	return updated, checkErr, err
}
