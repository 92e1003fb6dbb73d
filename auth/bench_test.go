package auth_test

import (
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/auth"
	"github.com/rosterhq/roster/storage/sqlite/sqlitetest"
)

// BenchmarkAuthenticate is the token check of every SCIM request on
// SQLite: from the cache (the generation unchanged), and as before the
// cache, reading the token (a fresh cache each time).
//
//	go test ./auth -run '^$' -bench Authenticate -benchmem
func BenchmarkAuthenticate(b *testing.B) {
	s, org := sqlitetest.New(b)
	secret, tok := roster.NewTokenSecret()
	dir := roster.Directory{OrgID: org.ID, Name: "Entra"}
	if err := s.CreateDirectory(ctx, &dir, &tok); err != nil {
		b.Fatal(err)
	}
	b.Run("cached", func(b *testing.B) {
		a := &auth.Directories{Store: s}
		for b.Loop() {
			if _, err := a.Authenticate(ctx, dir.ID, secret); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			a := &auth.Directories{Store: s}
			if _, err := a.Authenticate(ctx, dir.ID, secret); err != nil {
				b.Fatal(err)
			}
		}
	})
}
