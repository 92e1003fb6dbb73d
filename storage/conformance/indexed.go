package conformance

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
)

// testIndexedFilters is the differential test of the indexed filters
// (issue 16): random filters from a grammar over the attributes a store
// answers from an index (and a few it does not), against random users
// that are then updated, deleted, restored and unlinked, comparing what
// the store returns with what an evaluator of the same filters over the
// documents the test wrote says. The evaluator here is the scan's meaning
// written out: text compared case-folded (strings.ToLower) by code point,
// a missing attribute matching only ne, a value filter matching when one
// element matches all of it. A store whose index misses a row, or finds
// one the scan would not, fails with the seed and the filter.
func testIndexedFilters(t *testing.T, s roster.Store) {
	seed, r := seeded(t)
	g := &filterGen{r: r}

	f := newFixture(t, s, "Acme")
	other := f.addDirectory(t, s, "Other directory")
	otherTenant := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: other.ID}
	otherOrg := newFixture(t, s, "Beta")

	var live []*modelUser
	for i := range 120 {
		// userNames start with the generator's words, in their cases
		// and scripts, so that userName sw and ranges split them.
		m := &modelUser{name: fmt.Sprintf("%s%03d@acme.test", strings.ReplaceAll(g.word(), " ", "."), i), doc: g.doc()}
		u := user(t, m.body())
		must(t, s.CreateUser(ctx, f.tenant, u))
		m.id = u.ID
		live = append(live, m)
	}
	// Users with the same values elsewhere: another directory of the
	// organization and another organization, which no query may return.
	for i := range 30 {
		must(t, s.CreateUser(ctx, otherTenant, user(t, (&modelUser{name: fmt.Sprintf("other%03d@acme.test", i), doc: g.doc()}).body())))
		must(t, s.CreateUser(ctx, otherOrg.tenant, user(t, (&modelUser{name: fmt.Sprintf("beta%03d@acme.test", i), doc: g.doc()}).body())))
	}
	check := func(stage string, n int) {
		t.Helper()
		for _, m := range live {
			if !m.inDir {
				continue
			}
			got, err := s.GetUser(ctx, f.tenant, m.id)
			must(t, err)
			m.created, m.modified = got.Created, got.LastModified
		}
		matched := 0
		defer func() { t.Logf("%s: %d of %d filters matched some users", stage, matched, n) }()
		for range n {
			text := g.filter(live)
			flt, err := scim.UserType.ParseFilter(text)
			if err != nil {
				t.Fatalf("%s: the generator wrote a filter the parser refuses: %s: %v", stage, text, err)
			}
			var want []string
			for _, m := range live {
				if m.inDir && evalUser(flt, m) {
					want = append(want, m.name)
				}
			}
			page, err := s.ListUsers(ctx, f.tenant, roster.Query{Filter: flt, StartIndex: 1, Count: 1000})
			if err != nil {
				t.Fatalf("%s: %s: %v", stage, text, err)
			}
			var got []string
			for _, u := range page.Items {
				got = append(got, u.UserName)
			}
			slices.Sort(got)
			slices.Sort(want)
			if len(want) > 0 {
				matched++
			}
			if !slices.Equal(got, want) || page.Total != len(want) {
				t.Fatalf("%s (seed %d): %s\n got   %v (total %d)\n want  %v", stage, seed, text, got, page.Total, want)
			}
			// The count alone takes another path (COUNT(*) on the filter).
			count, err := s.ListUsers(ctx, f.tenant, roster.Query{Filter: flt, StartIndex: 1})
			if err != nil || count.Total != len(want) {
				t.Fatalf("%s (seed %d): %s: count = %d, %v; want %d", stage, seed, text, count.Total, err, len(want))
			}
		}
	}
	for _, m := range live {
		m.inDir = true
	}
	check("after creates", 250)

	// Updates: new documents (PUT), some keeping their emails so that
	// the values index is left alone, some changing only them.
	for _, m := range g.r.Perm(len(live))[:80] {
		u := live[m]
		next := g.doc()
		switch g.r.IntN(3) {
		case 0:
			next["emails"], next["phoneNumbers"] = u.doc["emails"], u.doc["phoneNumbers"]
		case 1:
			for k, v := range u.doc {
				if k != "emails" {
					next[k] = v
				}
			}
		}
		u.doc = next
		_, err := s.UpdateUser(ctx, f.tenant, u.id, func(x *roster.User) error {
			*x = *user(t, u.body())
			return nil
		})
		must(t, err)
	}
	check("after updates", 250)

	// Member adds and removals change their users' lastModified (their
	// groups changed) and nothing else, by a statement of their own
	// (touchUsers): an index of lastModified kept anywhere but on that
	// column must follow it.
	grp := createGroup(t, s, f.tenant, "Indexed")
	var touched []string
	for _, i := range g.r.Perm(len(live))[:40] {
		touched = append(touched, live[i].id)
	}
	for _, ops := range [][]roster.MemberOp{{{Kind: roster.AddMembers, IDs: touched}}, {{Kind: roster.RemoveMembers, IDs: touched[:15]}}} {
		_, err := s.UpdateGroup(ctx, f.tenant, grp.ID, func(*roster.Group) ([]roster.MemberOp, error) { return ops, nil })
		must(t, err)
		check("after member changes", 120)
	}

	// Deletes, restores of some of them, and unlinks.
	perm := g.r.Perm(len(live))
	for _, i := range perm[:20] {
		must(t, s.DeleteUser(ctx, f.tenant, live[i].id, 0))
		live[i].inDir = false
	}
	for _, i := range perm[:5] {
		_, err := s.RestoreDeletedResource(ctx, f.tenant, live[i].id)
		must(t, err)
		live[i].inDir = true
	}
	for _, i := range perm[20:32] {
		must(t, s.UnlinkUser(ctx, f.org.ID, live[i].id))
		live[i].inDir = false
	}
	check("after deletes, restores and unlinks", 250)

	// The unlinked users' values stay with the organization: the other
	// directory is deleted, and the first one's answers do not change.
	_, _, err := s.DeleteDirectory(ctx, f.org.ID, other.ID)
	must(t, err)
	check("after another directory's deletion", 100)
}

// modelUser is what the test wrote for one user.
type modelUser struct {
	id, name          string
	doc               map[string]any
	inDir             bool // in the fixture's directory (not deleted, not unlinked)
	created, modified time.Time
}

func (m *modelUser) body() string {
	doc := map[string]any{"userName": m.name}
	for k, v := range m.doc {
		doc[k] = v
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// filterGen writes random users and filters from small vocabularies, so
// that filters match some users and values collide across case.
type filterGen struct{ r *rand.Rand }

var (
	genWords = []string{"Ann", "anna", "ANNE", "Bob", "bo", "Éva", "éVA", "Zoë", "zoe", "r&d", "R&D Lab",
		"50% off", "a_b", "Sales", "sales-east", "Ωmega", "x", "Engineer", "engineering"}
	genLocals  = []string{"ann", "Ann.Lee", "bob", "eva", "zoe", "a_b"}
	genDomains = []string{"acme.test", "ACME.test", "home.test", "x.org"}
	genPhones  = []string{"+1 555 0100", "+1 555 0199", "+44 20 7946 0000", "0100"}
	genTypes   = []string{"work", "home", "other"}
	// genAttrs are the single-valued text attributes filters name, as a
	// client may write them.
	genAttrs = []string{"displayName", "title", "name.givenName", "name.familyName", "employeeNumber",
		"department", "costCenter", "organization", "division", enterpriseURN + ":manager.value",
		enterpriseURN + ":department", "nickName"}
)

const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

func (g *filterGen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *filterGen) word() string {
	w := g.pick(genWords)
	switch g.r.IntN(4) {
	case 0:
		return strings.ToUpper(w)
	case 1:
		return strings.ToLower(w)
	}
	return w
}

func (g *filterGen) doc() map[string]any {
	doc := map[string]any{"active": g.r.IntN(4) > 0}
	maybe := func(set func()) { // two in three users have each attribute
		if g.r.IntN(3) > 0 {
			set()
		}
	}
	maybe(func() { doc["displayName"] = g.word() + " " + g.word() })
	maybe(func() { doc["title"] = g.word() })
	maybe(func() { doc["nickName"] = g.word() })
	maybe(func() {
		name := map[string]any{}
		maybe(func() { name["givenName"] = g.word() })
		maybe(func() { name["familyName"] = g.word() })
		doc["name"] = name
	})
	maybe(func() {
		e := map[string]any{}
		for _, k := range []string{"employeeNumber", "department", "costCenter", "organization", "division"} {
			maybe(func() { e[k] = g.word() })
		}
		maybe(func() { e["manager"] = map[string]any{"value": g.word()} })
		doc[enterpriseURN] = e
		doc["schemas"] = []string{"urn:ietf:params:scim:schemas:core:2.0:User", enterpriseURN}
	})
	var emails []any
	for i := range g.r.IntN(4) {
		emails = append(emails, map[string]any{"value": g.pick(genLocals) + "@" + g.pick(genDomains), "type": g.pick(genTypes), "primary": i == 0})
	}
	if emails != nil {
		doc["emails"] = emails
	}
	var phones []any
	for range g.r.IntN(3) {
		phones = append(phones, map[string]any{"value": g.pick(genPhones), "type": g.pick(genTypes)})
	}
	if phones != nil {
		doc["phoneNumbers"] = phones
	}
	return doc
}

// part is a piece of a value for sw, ew and co: a prefix, a suffix or a
// middle, in a random case.
func (g *filterGen) part(v string, op string) string {
	rs := []rune(v)
	if len(rs) == 0 {
		return v
	}
	n := 1 + g.r.IntN(len(rs))
	switch op {
	case "sw":
		v = string(rs[:n])
	case "ew":
		v = string(rs[len(rs)-n:])
	case "co":
		i := g.r.IntN(len(rs) - n + 1)
		v = string(rs[i : i+n])
	}
	if g.r.IntN(2) == 0 {
		v = strings.ToUpper(v)
	}
	return v
}

var textOps = []string{"eq", "eq", "sw", "sw", "ew", "co", "gt", "ge", "lt", "le", "ne", "pr"}

func (g *filterGen) textCompare(attr string, value func() string) string {
	op := g.pick(textOps)
	if op == "pr" {
		return attr + " pr"
	}
	return attr + " " + op + " " + quote(g.part(value(), op))
}

func (g *filterGen) email() string { return g.pick(genLocals) + "@" + g.pick(genDomains) }

func (g *filterGen) atom(live []*modelUser) string {
	switch g.r.IntN(10) {
	case 0:
		return "active eq " + fmt.Sprint(g.r.IntN(2) == 0)
	case 1:
		m := live[g.r.IntN(len(live))]
		at := m.modified
		attr := "meta.lastModified"
		if g.r.IntN(2) == 0 {
			attr, at = "meta.created", m.created
		}
		return attr + " " + g.pick([]string{"gt", "ge", "lt", "le", "eq"}) + " " + quote(scim.FormatTime(at))
	case 2, 3:
		// Value filters on emails, with and without type.
		inner := g.textCompare("value", g.email)
		switch g.r.IntN(4) {
		case 0:
			inner = "type eq " + quote(g.pick(genTypes)) + " and " + inner
		case 1:
			inner = inner + " and type ne " + quote(g.pick(genTypes))
		case 2:
			inner = "type eq " + quote(g.pick(genTypes)) + " or " + inner
		}
		return "emails[" + inner + "]"
	case 4:
		return g.textCompare("emails.value", g.email)
	case 5:
		return g.textCompare("phoneNumbers.value", func() string { return g.pick(genPhones) })
	case 6:
		return g.textCompare("userName", func() string { return live[g.r.IntN(len(live))].name })
	}
	return g.textCompare(g.pick(genAttrs), g.word)
}

func (g *filterGen) filter(live []*modelUser) string {
	switch g.r.IntN(6) {
	case 0:
		return g.atom(live) + " and " + g.atom(live)
	case 1:
		return g.atom(live) + " or " + g.atom(live)
	case 2:
		return "not (" + g.atom(live) + ")"
	case 3:
		return "active eq true and (" + g.atom(live) + " or " + g.atom(live) + ")"
	}
	return g.atom(live)
}

// evalUser is what a filter means for one user's document.
func evalUser(f roster.Filter, m *modelUser) bool {
	switch f := f.(type) {
	case roster.And:
		return evalUser(f.Left, m) && evalUser(f.Right, m)
	case roster.Or:
		return evalUser(f.Left, m) || evalUser(f.Right, m)
	case roster.Not:
		return !evalUser(f.Filter, m)
	case roster.Has:
		elems, _ := m.doc[f.Attr.Name].([]any)
		for _, e := range elems {
			if evalElem(f.Filter, e.(map[string]any)) {
				return true
			}
		}
		return false
	case roster.Compare:
		switch f.Attr.Path() {
		case "userName":
			return compareAny(f, m.name)
		case "active":
			return compareAny(f, m.doc["active"])
		case "meta.created":
			return compareAny(f, m.created)
		case "meta.lastModified":
			return compareAny(f, m.modified)
		}
		var v any = m.doc
		if f.Attr.Extension {
			v = m.doc[f.Attr.Schema]
		}
		for _, k := range []string{f.Attr.Name, f.Attr.Sub} {
			if k == "" {
				continue
			}
			obj, _ := v.(map[string]any)
			v = obj[k]
		}
		return compareAny(f, v)
	}
	panic(fmt.Sprintf("evalUser: %T", f))
}

func evalElem(f roster.Filter, e map[string]any) bool {
	switch f := f.(type) {
	case roster.And:
		return evalElem(f.Left, e) && evalElem(f.Right, e)
	case roster.Or:
		return evalElem(f.Left, e) || evalElem(f.Right, e)
	case roster.Not:
		return !evalElem(f.Filter, e)
	case roster.Compare:
		return compareAny(f, e[f.Attr.Sub])
	}
	panic(fmt.Sprintf("evalElem: %T", f))
}

// compareAny compares a document's value with a filter's: a missing value
// matches ne only; text is compared case-folded unless case-exact.
func compareAny(c roster.Compare, v any) bool {
	if c.Op == roster.Pr {
		return v != nil && v != ""
	}
	if v == nil {
		return c.Op == roster.Ne
	}
	cmp := 0
	switch want := c.Value.(type) {
	case bool:
		got, _ := v.(bool)
		if got != want {
			cmp = 1
		}
	case time.Time:
		cmp = v.(time.Time).Compare(want)
	case string:
		got, _ := v.(string)
		if !c.Attr.CaseExact {
			got, want = strings.ToLower(got), strings.ToLower(want)
		}
		return c.Op.HoldsText(got, want)
	default:
		panic(fmt.Sprintf("compareAny: %T", want))
	}
	return c.Op.Holds(cmp)
}
