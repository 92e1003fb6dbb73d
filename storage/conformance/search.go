package conformance

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

// testAdminSearch is the differential test of the admins' search (issue
// 16): the user search (userName, displayName or email contains the text,
// case-insensitively) and the member search (userName or displayName) of
// random users, answered by a store from its search index for texts of
// three characters or more and by reading the organization's rows for
// shorter ones, against the same rule evaluated here on what the store
// holds, after the creates and again after renames, address changes,
// deletes and an unlink. A store whose index misses a user, or keeps a
// stale value, fails with the seed and the text.
func testAdminSearch(t *testing.T, s roster.Store) {
	seed, r := seeded(t)

	f := newFixture(t, s, "Acme")
	second := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.addDirectory(t, s, "Second").ID}
	other := newFixture(t, s, "Other")

	// Words shared by many users, a few beyond ASCII (upper case too, so
	// that folding matters), so that searches match none, some or many.
	words := []string{"ann", "Lee", "BJÖRN", "åström", "Cat", "smith", "Mäkinen", "o'neil", "50%_off", "x"}
	name := func() string {
		var parts []string
		for range 1 + r.IntN(3) {
			parts = append(parts, words[r.IntN(len(words))])
		}
		return strings.Join(parts, " ")
	}
	body := func(i int) (string, string) {
		userName := fmt.Sprintf("%s.%03d@acme.test", strings.ReplaceAll(words[r.IntN(len(words))], " ", ""), i)
		extra := fmt.Sprintf(`,"displayName":%q`, name())
		if r.IntN(4) > 0 {
			extra += fmt.Sprintf(`,"emails":[{"value":%q,"primary":true}]`, strings.ReplaceAll(name(), " ", ".")+fmt.Sprintf("%d@Example.test", i))
		}
		return userName, extra
	}
	var ids []string
	for i := range 90 {
		tn := f.tenant
		if i%3 == 0 {
			tn = second
		}
		userName, extra := body(i)
		ids = append(ids, createUser(t, s, tn, userName, extra).ID)
		userName, extra = body(i)
		createUser(t, s, other.tenant, userName, extra) // never found
	}
	// One group holding the first directory's users, and two groups.
	var firstDir []string
	for _, id := range ids {
		if _, err := s.GetUser(ctx, f.tenant, id); err == nil {
			firstDir = append(firstDir, id)
		}
	}
	sub1, sub2 := createGroup(t, s, f.tenant, "Smith team"), createGroup(t, s, f.tenant, "BJÖRN's ops")
	all := createGroup(t, s, f.tenant, "everyone", append(slices.Clone(firstDir), sub1.ID, sub2.ID)...)

	fold := strings.ToLower
	queries := func() []string {
		qs := []string{"", "ann", "ANN", "ström", "STRÖM", "öm", "%", "50%_", "o'n", "@example", "smith.", "zzz", ".0", "lee ann"}
		for range 40 {
			w := name() + fmt.Sprintf(" %d@example.test", r.IntN(90))
			rs := []rune(w)
			i := r.IntN(len(rs))
			j := min(len(rs), i+1+r.IntN(6))
			q := string(rs[i:j])
			if r.IntN(2) == 0 {
				q = strings.ToUpper(q)
			}
			qs = append(qs, q)
		}
		return qs
	}
	check := func(stage string) {
		t.Helper()
		// What the store holds now, read one user at a time.
		everyone, err := s.ListOrgUsers(ctx, f.org.ID, roster.UserFilter{}, 0, 1000)
		must(t, err)
		memberPage, err := s.ListMembersPage(ctx, f.org.ID, all.ID, roster.MemberQuery{Limit: 1000})
		must(t, err)
		byID := map[string]roster.User{}
		for _, u := range everyone.Items {
			byID[u.ID] = u
		}
		for _, q := range queries() {
			needle := fold(strings.TrimSpace(q))
			var want []string
			for _, u := range everyone.Items {
				if strings.Contains(fold(u.UserName), needle) || strings.Contains(fold(u.DisplayName), needle) || strings.Contains(fold(u.Email), needle) {
					want = append(want, u.ID)
				}
			}
			page, err := s.ListOrgUsers(ctx, f.org.ID, roster.UserFilter{Search: q}, 0, 1000)
			must(t, err)
			var got []string
			for _, u := range page.Items {
				got = append(got, u.ID)
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) || page.Total != len(want) {
				t.Fatalf("seed %d, %s: user search %q: got %d users (total %d), want %d\n got  %v\n want %v", seed, stage, q, len(got), page.Total, len(want), got, want)
			}
			// Paged, the total still counts every match.
			if small, err := s.ListOrgUsers(ctx, f.org.ID, roster.UserFilter{Search: q}, 0, 3); err != nil || small.Total != len(want) {
				t.Fatalf("seed %d, %s: user search %q with a page of 3: total %v (%v), want %d", seed, stage, q, small.Total, err, len(want))
			}

			var wantMembers []string
			for _, m := range memberPage {
				name := m.Display
				if u, ok := byID[m.ID]; ok {
					if strings.Contains(fold(u.UserName), needle) || strings.Contains(fold(u.DisplayName), needle) {
						wantMembers = append(wantMembers, m.ID)
					}
				} else if strings.Contains(fold(name), needle) {
					wantMembers = append(wantMembers, m.ID)
				}
			}
			found, err := s.ListMembersPage(ctx, f.org.ID, all.ID, roster.MemberQuery{Search: q, Limit: 1000})
			must(t, err)
			var gotMembers []string
			for _, m := range found {
				gotMembers = append(gotMembers, m.ID)
			}
			if !slices.IsSorted(gotMembers) {
				t.Fatalf("seed %d, %s: member search %q is not in member order: %v", seed, stage, q, gotMembers)
			}
			slices.Sort(wantMembers)
			if !slices.Equal(gotMembers, wantMembers) {
				t.Fatalf("seed %d, %s: member search %q: got %v, want %v", seed, stage, q, gotMembers, wantMembers)
			}
		}
	}
	check("after the creates")

	// Renames, new addresses and display names, deletes, an unlink.
	for i, id := range firstDir {
		switch i % 5 {
		case 0, 1:
			userName, extra := body(1000 + i)
			_, err := s.UpdateUser(ctx, f.tenant, id, func(u *roster.User) error {
				*u = *user(t, fmt.Sprintf(`{"userName":%q%s}`, userName, extra))
				return nil
			})
			must(t, err)
		case 2:
			must(t, s.DeleteUser(ctx, f.tenant, id, 0))
		}
	}
	_, err := s.RestoreDeletedResource(ctx, f.tenant, firstDir[2])
	must(t, err)
	must(t, s.UnlinkUser(ctx, f.org.ID, firstDir[3]))
	check("after updates, deletes, a restore and an unlink")
}
