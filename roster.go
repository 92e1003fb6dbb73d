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
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrorCode classifies an Error. Each code maps to exactly one HTTP status
// (see http/httperr); the code, not the status, is what the domain speaks.
type ErrorCode string

// Error codes.
const (
	EInvalid             ErrorCode = "invalid"              // the request is malformed or breaks a rule
	EUnauthorized        ErrorCode = "unauthorized"         // no or bad credentials
	EForbidden           ErrorCode = "forbidden"            // credentials fine, action not allowed
	ENotFound            ErrorCode = "not_found"            // no such resource in this tenant
	EConflict            ErrorCode = "conflict"             // uniqueness or state clash
	EPreconditionFailed  ErrorCode = "precondition_failed"  // If-Match did not match
	ETooLarge            ErrorCode = "too_large"            // body or result set over a limit
	EUnsupportedMedia    ErrorCode = "unsupported_media"    // a body in a format Roster does not read
	EMethodNotAllowed    ErrorCode = "method_not_allowed"   // the path exists, the method does not
	ETooManyRequests     ErrorCode = "too_many_requests"    // rate limited
	ENotImplemented      ErrorCode = "not_implemented"      // a valid request Roster does not serve
	EUnavailable         ErrorCode = "unavailable"          // the database cannot be reached now; retry later
	EInsufficientStorage ErrorCode = "insufficient_storage" // the database is out of space
	EInternal            ErrorCode = "internal"             // a bug or an outage; detail is not shown to clients
)

// SCIM error types (RFC 7644 §3.12 and RFC 9865). They refine a 400 or 409
// for SCIM clients; the console ignores them.
const (
	ScimInvalidFilter = "invalidFilter"
	ScimTooMany       = "tooMany"
	ScimUniqueness    = "uniqueness"
	ScimMutability    = "mutability"
	ScimInvalidSyntax = "invalidSyntax"
	ScimInvalidPath   = "invalidPath"
	ScimNoTarget      = "noTarget"
	ScimInvalidValue  = "invalidValue"
	ScimInvalidVers   = "invalidVers"
	ScimSensitive     = "sensitive"
	ScimInvalidCursor = "invalidCursor"
	ScimExpiredCursor = "expiredCursor"
)

// Error is the only error type Roster returns to its callers. Detail is
// written for the person who must act on it; for EInternal it is logged, never
// shown.
type Error struct {
	Code     ErrorCode
	ScimType string
	Detail   string
}

func (e *Error) Error() string {
	if e.ScimType != "" {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.ScimType, e.Detail)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Detail)
}

// Errorf returns an *Error with a formatted detail.
func Errorf(code ErrorCode, scimType, format string, args ...any) *Error {
	return &Error{Code: code, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// Invalidf is shorthand for the most common client error: a 400 with a SCIM
// error type.
func Invalidf(scimType, format string, args ...any) *Error {
	return Errorf(EInvalid, scimType, format, args...)
}

// NotFoundf is shorthand for a missing resource.
func NotFoundf(format string, args ...any) *Error {
	return Errorf(ENotFound, "", format, args...)
}

// ErrorCodeOf returns the code of err, EInternal for any error that is not an
// *Error, and "" for nil.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// AsError returns err as an *Error; an error of another type becomes an
// EInternal whose detail is the original message (for the log only).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EInternal, Detail: err.Error()}
}

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
