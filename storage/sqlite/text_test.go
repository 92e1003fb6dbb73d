package sqlite_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
)

// newUser is a user as a client would send it, with a work email that is
// its userName.
func newUser(t *testing.T, name, display string) *roster.User {
	t.Helper()
	obj, err := scim.Decode([]byte(fmt.Sprintf(`{"userName":%q,"displayName":%q,"emails":[{"value":%q,"type":"work"}]}`, name, display, name)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := scim.UserType.Normalize(obj)
	if err != nil {
		t.Fatal(err)
	}
	var u roster.User
	scim.UserFromDoc(res.Doc, &u)
	return &u
}

// TestTrigramTablesAtCommit checks migration 0027: the trigram tables are
// written at each commit from user_text_pending, including commits that
// hold several writes of which some fail (group commit rolls each back to
// its savepoint), and after renames and deletes; the pending table is
// empty after every commit.
func TestTrigramTablesAtCommit(t *testing.T) {
	ctx := context.Background()
	s, tenant := sqlitetest.NewDirectory(t)
	user := func(name, display string) *roster.User { return newUser(t, name, display) }
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := s.DB().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	match := func(table, col, text string) int {
		return count(`SELECT count(*) FROM `+table+` WHERE `+table+` MATCH ?`, "{"+col+`} : "`+text+`"`)
	}

	// 16 writers at once, each creating 20 users, every fifth a userName
	// another writer also tries: those fail inside a commit that succeeds.
	ids := make([][]string, 16)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 20 {
				name := fmt.Sprintf("w%02d-u%02d@example.com", w, i)
				if i%5 == 0 {
					name = fmt.Sprintf("shared-%02d@example.com", i)
				}
				u := user(name, fmt.Sprintf("Person %02d %02d", w, i))
				if err := s.CreateUser(ctx, tenant, u); err == nil {
					ids[w] = append(ids[w], u.ID)
				}
			}
		})
	}
	wg.Wait()
	var all []string
	for _, l := range ids {
		all = append(all, l...)
	}
	if want := 16*16 + 4; len(all) != want {
		t.Fatalf("%d users created, want %d", len(all), want)
	}
	if n := count(`SELECT count(*) FROM user_text_pending`); n != 0 {
		t.Errorf("%d users pending after the commits, want 0", n)
	}
	if n := match("user_text", "display_name", "person"); n != len(all) {
		t.Errorf("user_text finds %d users by displayName, want %d", n, len(all))
	}
	if n := match("user_search", "user_name", "@example.com"); n != len(all) {
		t.Errorf("user_search finds %d users by userName, want %d", n, len(all))
	}

	// Renames and deletes: the old text is gone, the new one found.
	for i, id := range all[:40] {
		_, err := s.UpdateUser(ctx, tenant, id, func(u *roster.User) error {
			*u = *user(u.UserName, fmt.Sprintf("Renamed %02d", i))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range all[40:60] {
		if err := s.DeleteUser(ctx, tenant, id, 0); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(`SELECT count(*) FROM user_text_pending`); n != 0 {
		t.Errorf("%d users pending after the updates, want 0", n)
	}
	if n, want := match("user_text", "display_name", "person"), len(all)-60; n != want {
		t.Errorf("user_text finds %d users by their old displayName, want %d", n, want)
	}
	if n := match("user_text", "display_name", "renamed"); n != 40 {
		t.Errorf("user_text finds %d renamed users, want 40", n)
	}
	if n := match("user_search", "display_name", "renamed"); n != 40 {
		t.Errorf("user_search finds %d renamed users, want 40", n)
	}
	if n, want := match("user_search", "email", "@example.com"), len(all)-20; n != want {
		t.Errorf("user_search finds %d users by email after 20 deletes, want %d", n, want)
	}
}
