// Package bench is Roster's load generator: it drives any SCIM 2.0 base URL
// with a bearer token the way identity providers do (concurrent creates,
// lookups by userName, member adds one PATCH at a time, group reads
// without members, deep pages, filtered lists) and reports throughput and
// latency percentiles per phase. `roster bench` runs it.
//
// It speaks SCIM over HTTP only, like an identity provider, and depends on
// nothing of Roster's: it can load-test any SCIM server.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

// Config says what to run. A report carries it, so that a result says
// what produced it; the token is left out of every report, since reports
// are printed and kept.
type Config struct {
	BaseURL     string // the directory's SCIM base URL; several, comma-separated, are nodes on one database, taken in turn
	Token       string `json:"-"`
	Users       int    // users to create (and to add to the big group)
	Concurrency int
	Requests    int    // requests per read phase
	Prefix      string // userName prefix, so that runs do not collide
	ServerPID   int    // when set, the server's peak RSS is reported
	Phases      []string
}

// AllPhases are the phases in the order they run.
var AllPhases = []string{"create", "lookup", "member-add", "member-add-small", "group-get", "deep-page", "filter", "cursor"}

// ParsePhases reads a comma-separated list of phase names. An unknown
// name is an error that lists the known phases: a misspelt phase must not
// make a run quietly measure less than was asked.
func ParsePhases(s string) ([]string, error) {
	var out []string
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !slices.Contains(AllPhases, name) {
			return nil, fmt.Errorf("unknown phase %q; the phases are %s", name, strings.Join(AllPhases, ", "))
		}
		out = append(out, name)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no phases given; the phases are %s", strings.Join(AllPhases, ", "))
	}
	return out, nil
}

// Result is one phase's measurements.
type Result struct {
	Phase   string        `json:"phase"`
	Ops     int           `json:"ops"`
	Errors  int           `json:"errors"`
	Elapsed time.Duration `json:"elapsed"`
	PerSec  float64       `json:"opsPerSecond"`
	P50     time.Duration `json:"p50"`
	P99     time.Duration `json:"p99"`
	Note    string        `json:"note,omitempty"`
}

// Report is a whole run.
type Report struct {
	Config  Config   `json:"config"`
	Results []Result `json:"results"`
	PeakRSS int64    `json:"serverPeakRssBytes,omitempty"`
	RSS     int64    `json:"serverRssBytes,omitempty"`
}

// Runner runs the phases against one server.
type Runner struct {
	cfg        Config
	client     *http.Client
	ids        []string // created users' IDs, by index
	group      string   // the big group
	firstError atomic.Value
	bases      []string      // BaseURL's nodes
	turn       atomic.Uint64 // the next request's node
}

// New returns a Runner for cfg.
func New(cfg Config) *Runner {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.Requests <= 0 {
		cfg.Requests = 20000
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "bench-" + strconv.FormatInt(time.Now().Unix(), 36)
	}
	if len(cfg.Phases) == 0 {
		cfg.Phases = AllPhases
	}
	var bases []string
	for _, b := range strings.Split(cfg.BaseURL, ",") {
		bases = append(bases, strings.TrimRight(strings.TrimSpace(b), "/"))
	}
	tr := &http.Transport{MaxIdleConns: cfg.Concurrency * 2, MaxIdleConnsPerHost: cfg.Concurrency * 2, IdleConnTimeout: time.Minute}
	return &Runner{cfg: cfg, bases: bases, client: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}
}

// Run runs the configured phases in order.
func (r *Runner) Run(ctx context.Context, progress io.Writer) (*Report, error) {
	rep := &Report{Config: r.cfg}
	if _, err := ParsePhases(strings.Join(r.cfg.Phases, ",")); err != nil {
		return rep, err
	}
	for _, name := range AllPhases {
		if !slices.Contains(r.cfg.Phases, name) {
			continue
		}
		fmt.Fprintf(progress, "phase %s...\n", name)
		res, err := r.phase(ctx, name)
		if err != nil {
			return rep, fmt.Errorf("phase %s: %w", name, err)
		}
		rep.Results = append(rep.Results, res...)
		for _, x := range res {
			fmt.Fprintf(progress, "  %-22s %8d ops %10s/s  p50 %-10v p99 %-10v errors %d %s\n", x.Phase, x.Ops, x.rate(), x.P50, x.P99, x.Errors, x.Note)
		}
	}
	if r.cfg.ServerPID > 0 {
		rep.PeakRSS, rep.RSS = rss(r.cfg.ServerPID)
	}
	return rep, nil
}

func (r *Runner) phase(ctx context.Context, name string) ([]Result, error) {
	switch name {
	case "create":
		return r.create(ctx)
	case "lookup":
		return r.lookup(ctx)
	case "member-add":
		return r.memberAdd(ctx)
	case "member-add-small":
		return r.memberAddSmall(ctx)
	case "group-get":
		return r.groupGet(ctx)
	case "deep-page":
		return r.deepPage(ctx)
	case "filter":
		return r.filtered(ctx)
	case "cursor":
		return r.cursorWalk(ctx)
	}
	return nil, fmt.Errorf("unknown phase %q (phases: %s)", name, strings.Join(AllPhases, ", "))
}

// do sends one request and checks its status.
func (r *Runner) do(ctx context.Context, method, path string, body []byte, want int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	base := r.bases[0]
	if len(r.bases) > 1 {
		base = r.bases[r.turn.Add(1)%uint64(len(r.bases))]
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+r.cfg.Token)
	req.Header.Set("Accept", "application/scim+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return out, fmt.Errorf("%s %s: status %d, want %d: %.300s", method, path, resp.StatusCode, want, out)
	}
	return out, nil
}

// parallel runs op(i) for i in [0, n) on the configured number of workers
// and summarizes the calls' latencies.
func (r *Runner) parallel(ctx context.Context, name string, n int, op func(ctx context.Context, i int) error) Result {
	lat, errs, elapsed := r.measure(ctx, n, op)
	return summarize(name, lat, errs, elapsed)
}

// measure runs op(i) for i in [0, n) on the configured number of workers
// and returns each call's latency, by i.
func (r *Runner) measure(ctx context.Context, n int, op func(ctx context.Context, i int) error) ([]time.Duration, int, time.Duration) {
	lat := make([]time.Duration, n)
	var next, errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < r.cfg.Concurrency; w++ {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				if err := op(ctx, i); err != nil {
					errs.Add(1)
					r.firstError.CompareAndSwap(nil, err.Error())
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	return lat, int(errs.Load()), time.Since(start)
}

func summarize(name string, lat []time.Duration, errs int, elapsed time.Duration) Result {
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	res := Result{Phase: name, Ops: len(lat), Errors: errs, Elapsed: elapsed}
	if len(sorted) > 0 {
		res.P50 = sorted[len(sorted)/2].Round(time.Microsecond)
		res.P99 = sorted[min(len(sorted)-1, len(sorted)*99/100)].Round(time.Microsecond)
	}
	if len(sorted) > 0 && elapsed > 0 {
		// A slice of a phase (its first and last tenth) has no elapsed
		// time of its own: no rate, rather than +Inf, which JSON cannot
		// encode.
		res.PerSec = float64(len(lat)) / elapsed.Seconds()
	}
	return res
}

// FirstError returns the first error a phase met, for the report.
func (r *Runner) FirstError() string {
	s, _ := r.firstError.Load().(string)
	return s
}

func (r *Runner) userName(i int) string {
	return fmt.Sprintf("%s-%07d@bench.example.com", r.cfg.Prefix, i)
}

// userBody is a user the way Entra ID creates one.
func (r *Runner) userBody(i int) []byte {
	name := r.userName(i)
	return []byte(fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"externalId":"ext-%d","userName":%q,"active":true,"displayName":"Bench User %d",
"name":{"formatted":"Bench User %d","familyName":"User %d","givenName":"Bench"},
"emails":[{"primary":true,"type":"work","value":%q}],
"title":"Engineer","preferredLanguage":"en-US",
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"%d","department":"Department %d"}}`,
		i, name, i, i, i, name, i, i%50))
}

func (r *Runner) create(ctx context.Context) ([]Result, error) {
	r.ids = make([]string, r.cfg.Users)
	res := r.parallel(ctx, "create", r.cfg.Users, func(ctx context.Context, i int) error {
		out, err := r.do(ctx, "POST", "/Users", r.userBody(i), http.StatusCreated)
		if err != nil {
			return err
		}
		var u struct{ ID string }
		if err := json.Unmarshal(out, &u); err != nil {
			return err
		}
		r.ids[i] = u.ID
		return nil
	})
	if res.Errors > 0 {
		return nil, fmt.Errorf("%d creates failed, first: %s", res.Errors, r.FirstError())
	}
	return []Result{res}, nil
}

// ensureUsers finds the users of an earlier create phase when the run
// skipped it (so that read phases can run against an existing directory).
func (r *Runner) ensureUsers(ctx context.Context) error {
	if len(r.ids) > 0 {
		return nil
	}
	r.ids = make([]string, r.cfg.Users)
	res := r.parallel(ctx, "find", r.cfg.Users, func(ctx context.Context, i int) error {
		id, err := r.findUser(ctx, r.userName(i))
		r.ids[i] = id
		return err
	})
	if res.Errors > 0 {
		return fmt.Errorf("%d of the %d users of prefix %s were not found; run the create phase first (%s)", res.Errors, r.cfg.Users, r.cfg.Prefix, r.FirstError())
	}
	return nil
}

// findUser looks a user up as Entra ID and Okta do before they create or
// update one: a filter on userName, whole resources back.
func (r *Runner) findUser(ctx context.Context, userName string) (string, error) {
	out, err := r.do(ctx, "GET", "/Users?filter="+url.QueryEscape(`userName eq "`+userName+`"`), nil, http.StatusOK)
	if err != nil {
		return "", err
	}
	var list struct {
		Resources []struct{ ID string }
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return "", err
	}
	if len(list.Resources) != 1 {
		return "", fmt.Errorf("user %s: %d found", userName, len(list.Resources))
	}
	return list.Resources[0].ID, nil
}

func (r *Runner) lookup(ctx context.Context) ([]Result, error) {
	if err := r.ensureUsers(ctx); err != nil {
		return nil, err
	}
	res := r.parallel(ctx, "lookup userName eq", r.cfg.Requests, func(ctx context.Context, i int) error {
		_, err := r.findUser(ctx, r.userName(rand.IntN(r.cfg.Users)))
		return err
	})
	miss := r.parallel(ctx, "lookup miss (Entra test)", r.cfg.Requests/4, func(ctx context.Context, i int) error {
		_, err := r.do(ctx, "GET", "/Users?filter="+url.QueryEscape(`userName eq "`+strconv.FormatUint(rand.Uint64(), 16)+`"`), nil, http.StatusOK)
		return err
	})
	return []Result{res, miss}, nil
}

func (r *Runner) createGroup(ctx context.Context, name string) (string, error) {
	out, err := r.do(ctx, "POST", "/Groups", []byte(fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":%q}`, name)), http.StatusCreated)
	if err != nil {
		return "", err
	}
	var g struct{ ID string }
	err = json.Unmarshal(out, &g)
	return g.ID, err
}

func addMemberBody(id string) []byte {
	return []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"` + id + `"}]}]}`)
}

// memberAdd adds every user to one group, one PATCH each, and reports the
// first and the last tenth separately: the cost of an add must not grow
// with the group.
func (r *Runner) memberAdd(ctx context.Context) ([]Result, error) {
	if err := r.ensureUsers(ctx); err != nil {
		return nil, err
	}
	id, err := r.createGroup(ctx, r.cfg.Prefix+" everyone")
	if err != nil {
		return nil, err
	}
	r.group = id
	n := len(r.ids)
	lat, errs, elapsed := r.measure(ctx, n, func(ctx context.Context, i int) error {
		_, err := r.do(ctx, "PATCH", "/Groups/"+id, addMemberBody(r.ids[i]), http.StatusNoContent)
		return err
	})
	all := summarize("member-add", lat, errs, elapsed)
	tenth := max(n/10, 1)
	first := summarize("  first 10% (small group)", lat[:tenth], 0, 0)
	last := summarize("  last 10% (large group)", lat[n-tenth:], 0, 0)
	first.Note = fmt.Sprintf("group size 0-%d", tenth)
	last.Note = fmt.Sprintf("group size %d-%d", n-tenth, n)
	return []Result{all, first, last}, nil
}

// memberAddSmall adds members to groups of at most ten: the baseline the
// large group's adds are compared with.
func (r *Runner) memberAddSmall(ctx context.Context) ([]Result, error) {
	if err := r.ensureUsers(ctx); err != nil {
		return nil, err
	}
	adds := min(r.cfg.Requests, len(r.ids))
	groups := make([]string, (adds+9)/10)
	for i := range groups {
		id, err := r.createGroup(ctx, fmt.Sprintf("%s small %d", r.cfg.Prefix, i))
		if err != nil {
			return nil, err
		}
		groups[i] = id
	}
	res := r.parallel(ctx, "member-add (10-member groups)", adds, func(ctx context.Context, i int) error {
		_, err := r.do(ctx, "PATCH", "/Groups/"+groups[i/10], addMemberBody(r.ids[i]), http.StatusNoContent)
		return err
	})
	return []Result{res}, nil
}

func (r *Runner) groupGet(ctx context.Context) ([]Result, error) {
	if r.group == "" {
		return nil, fmt.Errorf("needs the member-add phase")
	}
	res := r.parallel(ctx, "group GET without members", r.cfg.Requests, func(ctx context.Context, i int) error {
		_, err := r.do(ctx, "GET", "/Groups/"+r.group+"?excludedAttributes=members", nil, http.StatusOK)
		return err
	})
	lookup := r.parallel(ctx, "group lookup by name", r.cfg.Requests, func(ctx context.Context, i int) error {
		_, err := r.do(ctx, "GET", "/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "`+r.cfg.Prefix+` everyone"`), nil, http.StatusOK)
		return err
	})
	full := r.parallel(ctx, "group GET with all members", max(r.cfg.Requests/1000, 3), func(ctx context.Context, i int) error {
		_, err := r.do(ctx, "GET", "/Groups/"+r.group, nil, http.StatusOK)
		return err
	})
	full.Note = fmt.Sprintf("%d members", len(r.ids))
	return []Result{res, lookup, full}, nil
}

// deepPage reads the page at 90% of the directory: once by a single client,
// whose p50 is the latency of such a page, and once under the full
// concurrency, for throughput.
func (r *Runner) deepPage(ctx context.Context) ([]Result, error) {
	at := max(r.cfg.Users*9/10, 1)
	n := max(r.cfg.Requests/20, 50)
	page := func(ctx context.Context, i int) error {
		_, err := r.do(ctx, "GET", "/Users?count=100&startIndex="+strconv.Itoa(at), nil, http.StatusOK)
		return err
	}
	conc := r.cfg.Concurrency
	r.cfg.Concurrency = 1
	single := r.parallel(ctx, "page at startIndex "+strconv.Itoa(at)+" (1 client)", n, page)
	r.cfg.Concurrency = conc
	loaded := r.parallel(ctx, "page at startIndex "+strconv.Itoa(at), n, page)
	return []Result{single, loaded}, nil
}

func (r *Runner) filtered(ctx context.Context) ([]Result, error) {
	filters := []string{
		`userName sw "` + r.cfg.Prefix + `-00001"`,
		`emails[type eq "work" and value ew "7@bench.example.com"]`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Department 7"`,
		`active eq true and name.familyName sw "User 99"`,
		`displayName co "ser 4242"`,
	}
	n := max(r.cfg.Requests/100, 20)
	var out []Result
	for _, f := range filters {
		res := r.parallel(ctx, "filter "+f, n, func(ctx context.Context, i int) error {
			_, err := r.do(ctx, "GET", "/Users?count=100&filter="+url.QueryEscape(f), nil, http.StatusOK)
			return err
		})
		out = append(out, res)
	}
	return out, nil
}

// cursorWalk reads the whole directory with RFC 9865 cursors, 100 at a
// time, when the server advertises them.
func (r *Runner) cursorWalk(ctx context.Context) ([]Result, error) {
	spc, err := r.do(ctx, "GET", "/ServiceProviderConfig", nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	var cfg struct {
		Pagination struct{ Cursor bool }
	}
	json.Unmarshal(spc, &cfg)
	if !cfg.Pagination.Cursor {
		return []Result{{Phase: "cursor walk", Note: "skipped: the server does not advertise cursor pagination"}}, nil
	}
	var lat []time.Duration
	start := time.Now()
	cursor, seen := "", 0
	for {
		t0 := time.Now()
		out, err := r.do(ctx, "GET", "/Users?count=100&attributes=id&cursor="+url.QueryEscape(cursor), nil, http.StatusOK)
		lat = append(lat, time.Since(t0))
		if err != nil {
			return nil, err
		}
		var page struct {
			NextCursor string
			Resources  []json.RawMessage
		}
		if err := json.Unmarshal(out, &page); err != nil {
			return nil, err
		}
		seen += len(page.Resources)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	res := summarize("cursor walk (pages of 100)", lat, 0, time.Since(start))
	res.Note = fmt.Sprintf("%d users", seen)
	return []Result{res}, nil
}

// rss reads a process's peak and current resident set size from /proc.
func rss(pid int) (peak, now int64) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmHWM:":
			peak = kb * 1024
		case "VmRSS:":
			now = kb * 1024
		}
	}
	return peak, now
}

// rate is the result's operations per second as a report shows it: "-"
// for a slice of a phase, which has none of its own.
func (x Result) rate() string {
	if x.PerSec == 0 {
		return "-"
	}
	return strconv.FormatFloat(x.PerSec, 'f', 0, 64)
}

// WriteText writes the report as a table.
func (rep *Report) WriteText(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tops\tops/s\tp50\tp99\terrors\t")
	for _, x := range rep.Results {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%v\t%v\t%d\t  %s\n", x.Phase, x.Ops, x.rate(), x.P50, x.P99, x.Errors, x.Note)
	}
	tw.Flush()
	if rep.PeakRSS > 0 {
		fmt.Fprintf(w, "server RSS: %.0f MB now, %.0f MB peak\n", float64(rep.RSS)/1e6, float64(rep.PeakRSS)/1e6)
	}
}
