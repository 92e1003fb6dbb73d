package conformance

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rosterhq/roster"
)

// testBadInput is one table of input that package scim refuses before a
// store sees it, handed to the store directly, the same on every backend:
// a store may accept it or refuse it, but a refusal must be a roster.Error
// with a client code, never an internal error (which the API would answer
// with a 500). PostgreSQL, unlike SQLite, refuses a NUL in text and numbers
// beyond its numeric range.
func testBadInput(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	n := 0
	createUser(t, s, f.tenant, "kept@example.com")
	userName := roster.Attr{Schema: "urn:ietf:params:scim:schemas:core:2.0:User", Name: "userName", Type: roster.TypeString}
	displayName := roster.Attr{Schema: "urn:ietf:params:scim:schemas:core:2.0:Group", Name: "displayName", Type: roster.TypeString}
	withAttributes := func(attrs string) func() error {
		return func() error {
			n++
			u := &roster.User{UserName: fmt.Sprintf("odd%d@example.com", n), Active: true, Attributes: []byte(attrs)}
			return s.CreateUser(ctx, f.tenant, u)
		}
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"NUL in a user filter value", func() error {
			_, err := s.ListUsers(ctx, f.tenant, roster.Query{StartIndex: 1, Count: 10, Filter: roster.Compare{Attr: userName, Op: roster.Eq, Value: "a\x00b"}})
			return err
		}},
		{"NUL in a group filter value", func() error {
			_, err := s.ListGroups(ctx, f.tenant, roster.Query{StartIndex: 1, Count: 10, Filter: roster.Compare{Attr: displayName, Op: roster.Co, Value: "\x00"}})
			return err
		}},
		{"invalid UTF-8 in a filter value", func() error {
			_, err := s.ListUsers(ctx, f.tenant, roster.Query{StartIndex: 1, Count: 10, Filter: roster.Compare{Attr: userName, Op: roster.Sw, Value: "\xff\xfe"}})
			return err
		}},
		{"a number beyond numeric's exponent in extension JSON", withAttributes(`{"urn:example:x":{"n":1e131073}}`)},
		{"a 140000-digit number in extension JSON", withAttributes(`{"urn:example:x":{"n":` + strings.Repeat("9", 140000) + `}}`)},
		{"17000 decimals in extension JSON", withAttributes(`{"urn:example:x":{"n":0.` + strings.Repeat("1", 17000) + `}}`)},
		{"an escaped NUL in extension JSON", withAttributes(`{"urn:example:x":{"s":"a\u0000b"}}`)},
		{"invalid UTF-8 in extension JSON", withAttributes("{\"urn:example:x\":{\"s\":\"\xff\"}}")},
		{"invalid UTF-8 in a userName", func() error {
			return s.CreateUser(ctx, f.tenant, &roster.User{UserName: "\xff@example.com", Active: true, Attributes: []byte(`{}`)})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				return
			}
			var e *roster.Error
			if !errors.As(err, &e) || e.Code == roster.EInternal {
				t.Errorf("error %v (code %s), want none or a roster.Error with a client code", err, roster.ErrorCodeOf(err))
			}
		})
	}
	// The store still works after what it was handed.
	page, err := s.ListUsers(ctx, f.tenant, roster.Query{StartIndex: 1, Count: 10, Filter: roster.Compare{Attr: userName, Op: roster.Eq, Value: "kept@example.com"}})
	must(t, err)
	if len(page.Items) != 1 {
		t.Errorf("after the bad input, the lookup of kept@example.com found %d users", len(page.Items))
	}
}
