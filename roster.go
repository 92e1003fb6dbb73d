// Package roster is the domain of Roster, a self-hosted SCIM 2.0
// user-provisioning hub: organizations connect identity providers to
// directories, the identity providers push users and groups, and Roster keeps
// them.
//
// This package holds the domain types, the Store interface every storage
// backend implements, and the one error type the whole program uses. It does
// no I/O; the protocol lives in package scim, storage under storage/, and the
// HTTP surfaces under http/.
package roster

import (
	"context"
	"strings"
	"unicode/utf8"
)

type actorKey struct{}

// WithActor records who is acting ("directory:ID", "admin:EMAIL", "cli") so
// that the store can write it into the audit event of every change.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor recorded by WithActor, or "system".
func ActorFrom(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return "system"
}

// IsText reports whether s is text every store can keep: valid UTF-8
// without NUL characters (PostgreSQL refuses both, in text and in JSON).
// Whatever a client sends is checked with it before it reaches a store.
func IsText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// IsTextValue reports whether every key and string of a decoded JSON value
// is text (IsText). A body can be valid UTF-8 and still hold an escaped
// \u0000, which decodes to a NUL.
func IsTextValue(v any) bool {
	switch v := v.(type) {
	case string:
		return IsText(v)
	case map[string]any:
		for k, e := range v {
			if !IsText(k) || !IsTextValue(e) {
				return false
			}
		}
	case []any:
		for _, e := range v {
			if !IsTextValue(e) {
				return false
			}
		}
	}
	return true
}
