// Package connectors is the use case of outbound SCIM connectors: Roster
// acting as an identity provider towards an organization's applications,
// provisioning each with exactly the users that have access to one of its
// products (the rule of the access check) and, for a connector created
// with --groups, the groups granted the product with their members that
// have access (groups.go). It owns creating connectors
// (the URL's outbound rules, a `roster check` run against the target that
// refuses a target failing a step the connector needs, the token sealed
// with the server's secret key), listing, updating, pausing, deleting,
// replacing the token, the delivery log, and the engine: the reconcile
// pass that compares what the target should hold with what it holds and
// fixes the difference, run on demand (Sync), as a dry run (Preview), and
// by the Worker every `roster serve` runs.
//
// Reconcile is the engine rather than a stream of per-event pushes: a pass
// is idempotent, safe to repeat after a crash or on another node, and
// fixes drift made in the target; events only tell the worker that a pass
// is due, and which users it may narrow to (changes.go). A pass has two
// stages: the users, then the groups (whose members are the target IDs
// the first stage linked). What the target supports is read once an hour
// per connector (target.go); the delivery log is purged by age
// (retention.go). Console, admin API and command line all call it.
//
// It depends on the root package, outbound, check and the webhooks
// Keyring (the one sealing key of the server); never on storage or the
// HTTP surfaces.
package connectors

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/time/rate"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/check"
	"github.com/rosterhq/roster/outbound"
	"github.com/rosterhq/roster/webhooks"
)

// DefaultRateLimit is a new connector's limit in requests per second:
// well below what Entra ID sends an application.
const DefaultRateLimit = 25

// DefaultConcurrency is how many users a pass handles at once.
const DefaultConcurrency = 8

// Service holds the rules. The zero values of the optional fields are the
// production settings.
type Service struct {
	Store roster.Connectors
	// Keys seals and opens targets' tokens; nil means the server has no
	// secret key, and connectors can be neither created nor run.
	Keys *webhooks.Keyring
	// AllowPrivate lets URLs be http:// and reach private and loopback
	// addresses (roster serve --allow-private-targets).
	AllowPrivate bool
	Resolver     *net.Resolver // nil: the system's
	// HTTPClient calls targets; nil: HTTPClient(AllowPrivate, 30s).
	HTTPClient *http.Client
	// Retries are the waits between attempts of one request; nil:
	// DefaultRetries.
	Retries     []time.Duration
	Concurrency int           // users at once per pass; 0: DefaultConcurrency
	Lease       time.Duration // how long a pass holds the connector between extensions; 0: 1 minute
	Owner       string        // this process's name in leases; "": random
	Now         func() time.Time

	once sync.Once // fills in Owner and HTTPClient, once: surfaces call the service concurrently
	caps capabilityCache
}

func (s *Service) init() {
	s.once.Do(func() {
		if s.Owner == "" {
			s.Owner = "node-" + uuid.NewString()
		}
		if s.HTTPClient == nil {
			s.HTTPClient = HTTPClient(s.AllowPrivate, 30*time.Second)
		}
	})
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return time.Minute
}

func (s *Service) owner() string {
	s.init()
	return s.Owner
}

func (s *Service) httpClient() *http.Client {
	s.init()
	return s.HTTPClient
}

// errNoKey is what creating a connector or replacing its token says
// without a key.
func errNoKey() error {
	return roster.E(roster.ReasonNoSecretKey, "connectors need a secret key to keep the applications' tokens encrypted: make one with "+
		"`roster keygen --out roster.key` and start the server (and run the command) with --secret-key-file roster.key or ROSTER_SECRET_KEY_FILE")
}

// CheckURL applies the outbound rules to a target's base URL: https://
// with a host that resolves to public addresses only, unless
// AllowPrivate; no query, no credentials.
func (s *Service) CheckURL(ctx context.Context, raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || len(raw) > 2048 {
		return "", roster.E(roster.ReasonInvalidValue, "%q is no SCIM base URL: give an absolute https:// URL without credentials or query", raw)
	}
	if u.Scheme != "https" && !s.AllowPrivate {
		return "", roster.E(roster.ReasonInvalidValue, "connector URLs must be https:// (roster serve --allow-private-targets also allows http:// for internal applications)")
	}
	u.Fragment = ""
	out := strings.TrimRight(u.String(), "/")
	if s.AllowPrivate {
		return out, nil
	}
	ip, err := outbound.NonPublicHost(ctx, s.Resolver, u.Hostname())
	if err != nil {
		return "", roster.E(roster.ReasonInvalidValue, "the connector host %q does not resolve", u.Hostname())
	}
	if ip != nil {
		return "", roster.E(roster.ReasonPrivateTarget, "the connector host %q is %s, not a public address; an operator can allow such targets with --allow-private-targets", u.Hostname(), ip)
	}
	return out, nil
}

// ParseOnRevoke reads --on-revoke ("" is deactivate).
func ParseOnRevoke(s string) (roster.OnRevoke, error) {
	switch roster.OnRevoke(s) {
	case "", roster.RevokeDeactivate:
		return roster.RevokeDeactivate, nil
	case roster.RevokeDelete:
		return roster.RevokeDelete, nil
	}
	return "", roster.E(roster.ReasonInvalidValue, "on-revoke is deactivate or delete, not %q", s)
}

func checkRateLimit(n int) error {
	if n < 0 || n > 10000 {
		return roster.E(roster.ReasonInvalidValue, "the rate limit is 0 (none) to 10000 requests per second, not %d", n)
	}
	return nil
}

// CreateRequest is what creating a connector takes.
type CreateRequest struct {
	OrgID    string
	Product  string
	Name     string // "" is the URL's host
	URL      string
	Token    string
	Groups   bool
	OnRevoke string
	DryRun   bool
	// Force accepts a target that fails steps the connector needs; the
	// gaps are recorded on the connector.
	Force     bool
	RateLimit *int // nil: DefaultRateLimit; 0: no limit
}

// neededStep is a `roster check` step a connector cannot work without.
type neededStep struct {
	seq  check.Sequence
	name string
	// alt, when set, is another step that does the same job: one of the
	// two passing is enough (an update by PATCH or by PUT).
	alt string
	// onlyDelete marks what only a connector that deletes on revoke needs.
	onlyDelete bool
	// onlyGroups marks what only a connector that pushes groups needs:
	// the requests the group stage sends (groups.go).
	onlyGroups bool
}

var neededSteps = []neededStep{
	{seq: check.Okta, name: "Look up the user before creating it"},
	{seq: check.Okta, name: "Create user"},
	{seq: check.Okta, name: "Look up the user by userName"},
	{seq: check.Okta, name: "Get the user by id"},
	{seq: check.Entra, name: "Update the user (Entra's PATCH)", alt: "Update the profile (PUT full replace)"},
	{seq: check.Okta, name: "Deactivate the user (PATCH active false)"},
	{seq: check.Entra, name: "Delete the user", onlyDelete: true},
	{seq: check.Entra, name: "Look up the group before creating it", onlyGroups: true},
	{seq: check.Okta, name: "Push a group (POST)", onlyGroups: true},
	{seq: check.Okta, name: "Add a member (PATCH add members)", onlyGroups: true},
	{seq: check.Okta, name: `Remove the member (PATCH remove members[value eq "id"])`, onlyGroups: true},
	{seq: check.Entra, name: "Rename the group (PATCH Replace displayName)", onlyGroups: true},
	{seq: check.Entra, name: "Delete the group", onlyGroups: true},
}

// Gaps are the steps of rep a connector with the given revoke policy
// that pushes users only needs and the target failed, each with what went
// wrong (GapsWith for one that pushes groups too).
func Gaps(rep *check.Report, onRevoke roster.OnRevoke) []string {
	return GapsWith(rep, onRevoke, false)
}

// GapsWith is Gaps for a connector that pushes groups (--groups) or not:
// with groups, the group steps count too.
func GapsWith(rep *check.Report, onRevoke roster.OnRevoke, groups bool) []string {
	var out []string
	for _, n := range neededSteps {
		if n.onlyDelete && onRevoke != roster.RevokeDelete || n.onlyGroups && !groups {
			continue
		}
		st := rep.Step(n.seq, n.name)
		if st != nil && st.Status != check.Fail && st.Status != check.Skip {
			continue
		}
		if n.alt != "" {
			if alt := rep.Step(check.Okta, n.alt); alt != nil && (alt.Status == check.Pass || alt.Status == check.Warn) {
				continue
			}
		}
		why := "not run"
		if st != nil && st.Problem != "" {
			why = st.Problem
			if st.Fix != "" {
				why += " (fix: " + st.Fix + ")"
			}
		} else if st != nil && st.Status == check.Skip {
			why = "skipped: " + st.Problem
		}
		out = append(out, string(n.seq)+": "+n.name+": "+why)
	}
	return out
}

// Create checks the target and makes the connector. The report of the
// check comes back too, for the caller to show.
func (s *Service) Create(ctx context.Context, r CreateRequest) (*roster.Connector, *check.Report, error) {
	if s.Keys == nil {
		return nil, nil, errNoKey()
	}
	onRevoke, err := ParseOnRevoke(r.OnRevoke)
	if err != nil {
		return nil, nil, err
	}
	limit := DefaultRateLimit
	if r.RateLimit != nil {
		limit = *r.RateLimit
	}
	if err := checkRateLimit(limit); err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(r.Token) == "" {
		return nil, nil, roster.E(roster.ReasonInvalidValue, "give the application's SCIM bearer token (--token)")
	}
	base, err := s.CheckURL(ctx, r.URL)
	if err != nil {
		return nil, nil, err
	}
	name := strings.TrimSpace(r.Name)
	if name == "" {
		u, _ := url.Parse(base)
		name = u.Host
	}
	if len(name) > 200 {
		return nil, nil, roster.E(roster.ReasonInvalidValue, "a connector's name has at most 200 characters")
	}
	rep, err := check.Run(ctx, check.Target{BaseURL: base, Token: r.Token, HTTPClient: s.httpClient()}, check.Options{})
	if err != nil {
		return nil, nil, roster.E(roster.ReasonInvalidValue, "checking the application: %v", err)
	}
	gaps := GapsWith(rep, onRevoke, r.Groups)
	if len(gaps) > 0 && !r.Force {
		return nil, rep, roster.E(roster.ReasonTargetFailsCheck, "the application at %s fails %d step(s) a connector needs (run roster check --url %s for the whole report; --force accepts it anyway, recording the gaps): %s",
			base, len(gaps), base, strings.Join(gaps, "; "))
	}
	c := &roster.Connector{OrgID: r.OrgID, Product: r.Product, Name: name, BaseURL: base, Token: s.Keys.Seal(r.Token), OnRevoke: onRevoke,
		Groups: r.Groups, DryRun: r.DryRun, RateLimit: limit, CheckGaps: gaps}
	if err := s.Store.CreateConnector(ctx, c); err != nil {
		return nil, rep, err
	}
	return c, rep, nil
}

// List returns the organization's connectors.
func (s *Service) List(ctx context.Context, orgID string) ([]roster.Connector, error) {
	return s.Store.ListConnectors(ctx, orgID)
}

// Get returns one connector.
func (s *Service) Get(ctx context.Context, orgID, id string) (*roster.Connector, error) {
	return s.Store.GetConnector(ctx, orgID, id)
}

// UpdateRequest changes what is set: nil leaves a field as it is.
type UpdateRequest struct {
	Name      *string
	URL       *string
	OnRevoke  *string
	DryRun    *bool
	Paused    *bool
	RateLimit *int
	// Groups turns pushing the granted groups on or off. Off leaves the
	// groups pushed so far in the application as they are (and their
	// links in the store: turned on again, the connector takes them up).
	Groups *bool
}

// Update changes a connector's settings. A new URL passes the outbound
// rules (not `roster check`: replace the connector to check a new
// application); any change asks for a full pass.
func (s *Service) Update(ctx context.Context, orgID, id string, r UpdateRequest) (*roster.Connector, error) {
	var base string
	if r.URL != nil {
		var err error
		if base, err = s.CheckURL(ctx, *r.URL); err != nil {
			return nil, err
		}
	}
	var onRevoke roster.OnRevoke
	if r.OnRevoke != nil {
		var err error
		if onRevoke, err = ParseOnRevoke(*r.OnRevoke); err != nil {
			return nil, err
		}
	}
	if r.RateLimit != nil {
		if err := checkRateLimit(*r.RateLimit); err != nil {
			return nil, err
		}
	}
	if r.Name != nil && (strings.TrimSpace(*r.Name) == "" || len(*r.Name) > 200) {
		return nil, roster.E(roster.ReasonInvalidValue, "a connector's name has 1 to 200 characters")
	}
	return s.Store.UpdateConnector(ctx, orgID, id, func(c *roster.Connector) error {
		if r.Name != nil {
			c.Name = strings.TrimSpace(*r.Name)
		}
		if r.URL != nil {
			c.BaseURL = base
		}
		if r.OnRevoke != nil {
			c.OnRevoke = onRevoke
		}
		if r.DryRun != nil {
			c.DryRun = *r.DryRun
		}
		if r.Paused != nil {
			c.Paused = *r.Paused
		}
		if r.RateLimit != nil {
			c.RateLimit = *r.RateLimit
		}
		if r.Groups != nil {
			c.Groups = *r.Groups
		}
		c.SyncRequested = true
		return nil
	})
}

// Pause stops (false: resumes) the connector's passes; resuming runs a
// full pass, which brings the target up to date.
func (s *Service) Pause(ctx context.Context, orgID, id string, paused bool) (*roster.Connector, error) {
	return s.Update(ctx, orgID, id, UpdateRequest{Paused: &paused})
}

// ReplaceToken seals a new token for the target.
func (s *Service) ReplaceToken(ctx context.Context, orgID, id, token string) (*roster.Connector, error) {
	if s.Keys == nil {
		return nil, errNoKey()
	}
	if strings.TrimSpace(token) == "" {
		return nil, roster.E(roster.ReasonInvalidValue, "give the application's new SCIM bearer token")
	}
	return s.Store.UpdateConnector(ctx, orgID, id, func(c *roster.Connector) error {
		c.Token, c.SyncRequested = s.Keys.Seal(token), true
		return nil
	})
}

// Delete deletes the connector with its links and log; the users (and
// groups) it made stay in the application.
func (s *Service) Delete(ctx context.Context, orgID, id string) error {
	return s.Store.DeleteConnector(ctx, orgID, id)
}

// Deliveries is the connector's delivery log, newest first.
func (s *Service) Deliveries(ctx context.Context, orgID, id string, failedOnly bool, limit int) ([]roster.ConnectorDelivery, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	return s.Store.ListConnectorDeliveries(ctx, orgID, id, failedOnly, limit)
}

// newPass prepares a pass of c: its token opened, its client with the
// connector's rate limit.
func (s *Service) newPass(c *roster.Connector, write, full bool) (*pass, error) {
	if s.Keys == nil {
		return nil, errNoKey()
	}
	token, err := s.Keys.Open(c.Token)
	if err != nil {
		return nil, roster.E(roster.ReasonNoSecretKey, "the connector's token was sealed with another secret key: replace it (roster connector update --token)")
	}
	cl := &client{base: c.BaseURL, token: token, hc: s.httpClient(), retries: s.Retries, sleep: sleepCtx}
	if cl.retries == nil {
		cl.retries = DefaultRetries
	}
	if c.RateLimit > 0 {
		cl.limit = rate.NewLimiter(rate.Limit(c.RateLimit), max(1, c.RateLimit/5))
	}
	workers := s.Concurrency
	if workers <= 0 {
		workers = DefaultConcurrency
	}
	return &pass{svc: s, conn: c, c: cl, write: write && !c.DryRun, full: full, workers: workers}, nil
}

// Preview is a full pass with writes off: what a sync would change now.
func (s *Service) Preview(ctx context.Context, orgID, id string) (*Result, error) {
	c, err := s.Store.GetConnector(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	p, err := s.newPass(c, false, true)
	if err != nil {
		return nil, err
	}
	return p.run(ctx)
}

// Sync runs a full pass now, in this process, under the connector's lease
// (another node running one is ReasonConnectorBusy). A paused connector
// syncs too: pausing stops the automatic passes only.
func (s *Service) Sync(ctx context.Context, orgID, id string) (*Result, error) {
	now := s.now()
	c, head, ok, err := s.Store.ClaimConnectorByID(ctx, s.owner(), orgID, id, now, now.Add(s.lease()))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, roster.E(roster.ReasonConnectorBusy, "another node is running a pass of connector %s; try again when it ends", id)
	}
	return s.runLeased(ctx, c, head, true, nil)
}

// Resend pushes again, now, what failed requests of the delivery log were
// about: the users userIDs and, for a connector with --groups, its groups
// (groups true), in a pass of those alone. Nothing a connector fails to
// write is dropped: it stays out of sync, shown in the log, and every pass
// tries it again (after failures, with backoff); Resend is the way not to
// wait. The connector's cursor stays where it is, so no event is skipped.
// A user that is none of the connector's (no access to the product and
// nothing pushed for it) is refused by name.
func (s *Service) Resend(ctx context.Context, orgID, id string, userIDs []string, groups bool) (*Result, error) {
	c, err := s.Get(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	switch {
	case len(userIDs) == 0 && !groups:
		return nil, roster.E(roster.ReasonInvalidValue, "say what to push again: users (by ID), or the groups")
	case groups && !c.Groups:
		return nil, roster.E(roster.ReasonInvalidValue, "connector %s pushes no groups (turn them on with --groups true)", id)
	case len(userIDs) > maxChanged:
		return nil, roster.E(roster.ReasonTooMany, "at most %d users at a time; a sync pushes every user", maxChanged)
	}
	if len(userIDs) > 0 {
		items, err := s.Store.ListConnectorItemsOf(ctx, orgID, id, userIDs)
		if err != nil {
			return nil, err
		}
		found := map[string]bool{}
		for _, it := range items {
			found[it.UserID] = true
		}
		for _, u := range userIDs {
			if !found[u] {
				return nil, roster.NotFoundf("user %q is none of connector %s's: it has no access to the product and nothing was pushed for it", u, id)
			}
		}
	}
	now := s.now()
	leased, _, ok, err := s.Store.ClaimConnectorByID(ctx, s.owner(), orgID, id, now, now.Add(s.lease()))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, roster.E(roster.ReasonConnectorBusy, "another node is running a pass of connector %s; try again when it ends", id)
	}
	ch := &changes{users: userIDs, next: leased.Cursor}
	if groups {
		ch.groups = []string{""} // any: the group stage goes over every group of the connector
	}
	return s.runLeased(ctx, leased, leased.Cursor, false, ch)
}

// StartSync starts a full pass in the background and returns the
// connector as it is then (its health says when the pass has ended:
// SyncRequested false again and LastRun after now). The sync is requested
// in the store first, so that a pass that dies with this process, or
// waits behind another node's, is run by the next worker that is free;
// then, unless another node holds the connector (its pass then carries
// on, and the request is served after it), this process takes the lease
// and runs the pass itself, out of the caller's context. Errors are those
// of finding the connector: the pass's own go to its health.
func (s *Service) StartSync(ctx context.Context, orgID, id string) (*roster.Connector, error) {
	c, err := s.Store.UpdateConnector(ctx, orgID, id, func(c *roster.Connector) error {
		c.SyncRequested = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	leased, head, ok, err := s.Store.ClaimConnectorByID(ctx, s.owner(), orgID, id, now, now.Add(s.lease()))
	if err != nil || !ok {
		return c, err
	}
	started := make(chan struct{})
	go func() {
		close(started)
		s.runLeased(context.WithoutCancel(ctx), leased, head, true, nil)
	}()
	<-started
	return leased, nil
}

// runLeased runs a pass of a connector leased to this process and records
// its outcome. With ch (and not ch.all), the pass considers only the
// users ch names and records ch.next as its cursor; otherwise every item,
// and head.
func (s *Service) runLeased(ctx context.Context, c *roster.Connector, head int64, full bool, ch *changes) (*Result, error) {
	p, err := s.newPass(c, true, full)
	partial := ch != nil && !ch.all
	if partial {
		p.users = ch.users
		if p.users == nil {
			p.users = []string{}
		}
		// Events naming no user and no group change nothing pushed.
		p.skipGroups = len(ch.users) == 0 && len(ch.groups) == 0
		head = ch.next
	}
	var res *Result
	if err == nil {
		passCtx, stop := context.WithCancelCause(ctx)
		kept := s.keepLease(passCtx, c.ID, stop)
		res, err = p.run(passCtx)
		stop(nil)
		<-kept
		if cause := context.Cause(passCtx); errors.Is(cause, errLeaseLost) {
			return nil, cause // the other node's pass carries on; nothing to record
		}
	}
	if ctx.Err() != nil {
		// Stopped midway (shutdown): like a crash, the lease is left to
		// expire, and the pass after it finds by userName whatever this
		// one made before storing its links.
		return res, ctx.Err()
	}
	run := roster.ConnectorRun{Cursor: head, Full: full, Partial: partial, At: s.now().UTC()}
	switch {
	case err != nil:
		run.Error, run.OutOfSync = err.Error(), c.OutOfSync
		if partial {
			run.OutOfSync = 0
		}
		run.Cursor = c.Cursor
		run.NextFull = s.now().Add(retryWait(c.Failures + 1))
	case partial:
		// Counts move by what the pass changed: a user created or linked
		// is one more in sync, one deleted one fewer (its link is gone),
		// one that failed is out of sync until a complete pass counts
		// again, which the failure schedules.
		run.InSync = res.Counts[OpCreate] + res.Counts[OpLink] - res.Counts[OpDelete] - res.Failed
		run.OutOfSync = res.Failed
		if res.Failed > 0 || res.GroupsFailed > 0 {
			run.Error = failures(res)
			run.NextFull = s.now().Add(retryWait(c.Failures + 1))
		}
	default:
		run.InSync, run.OutOfSync = res.InSync, res.Failed
		if !p.write {
			run.OutOfSync += len(res.Changes) + res.More - res.Failed
		}
		if res.Failed > 0 || res.GroupsFailed > 0 {
			run.Error = failures(res)
			run.NextFull = s.now().Add(retryWait(c.Failures + 1))
		} else if full {
			run.NextFull = s.now().Add(FullEvery)
		}
	}
	if _, ferr := s.Store.FinishConnectorRun(context.WithoutCancel(ctx), s.owner(), c.ID, run); ferr != nil && err == nil {
		err = ferr
	}
	return res, err
}

// failures is a pass's error for the health: how many users and groups
// failed, and the first failure.
func failures(r *Result) string {
	var parts []string
	if r.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d users failed", r.Failed, r.Considered))
	}
	if r.GroupsFailed > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d groups failed", r.GroupsFailed, r.Groups))
	}
	return strings.Join(parts, ", ") + ": " + firstError(r)
}

func firstError(r *Result) string {
	for _, c := range r.Changes {
		if c.Error != "" {
			return c.UserName + ": " + c.Error
		}
	}
	for _, c := range r.GroupChanges {
		if c.Error != "" {
			return "group " + c.DisplayName + ": " + c.Error
		}
	}
	return ""
}

// errLeaseLost ends a pass whose lease another node took (this node
// stalled longer than the lease).
var errLeaseLost = roster.E(roster.ReasonConnectorBusy, "the connector's lease was lost to another node mid-pass; that node carries on")

// keepLease extends the lease of connector id every third of the lease
// while ctx lasts, and stops the pass (stop) when the lease is lost. The
// returned channel closes when it has stopped.
func (s *Service) keepLease(ctx context.Context, id string, stop context.CancelCauseFunc) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(s.lease() / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				ok, err := s.Store.ExtendConnectorLease(ctx, s.owner(), id, s.now().Add(s.lease()))
				if err == nil && !ok {
					stop(errLeaseLost)
					return
				}
			}
		}
	}()
	return done
}

// FullEvery is how often a connector's periodic full pass runs (one that
// reads the target's copy of every linked user, to find drift).
var FullEvery = time.Hour

// retryWait is the wait before the pass after n passes in a row failed:
// 5 s doubling, at most 10 minutes.
func retryWait(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < 10*time.Minute; i++ {
		d *= 2
	}
	return min(d, 10*time.Minute)
}

// Rekey seals again with the key file's first key the token of every
// connector of the organization that an older key of the ring sealed, and
// returns how many it changed (see webhooks.Keyring: roster rekey, after
// roster keygen --rotate).
func (s *Service) Rekey(ctx context.Context, orgID string) (int, error) {
	if s.Keys == nil {
		return 0, errNoKey()
	}
	list, err := s.Store.ListConnectors(ctx, orgID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range list {
		changed := false
		_, err := s.Store.UpdateConnector(ctx, orgID, c.ID, func(c *roster.Connector) error {
			var err error
			c.Token, changed, err = s.Keys.Reseal(c.Token)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("connector %s: %w", c.ID, err)
		}
		if changed {
			n++
		}
	}
	return n, nil
}
