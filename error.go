package roster

import (
	"errors"
	"fmt"
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
	EUnavailable         ErrorCode = "unavailable"          // a dependency (the database) is down; retry later
	EGone                ErrorCode = "gone"                 // what was asked for existed but is kept no longer
	EInsufficientStorage ErrorCode = "insufficient_storage" // the disk is full; nothing was written
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
// shown. Reason is the stable machine key code branches on (see Reason);
// Detail's wording may change at any time.
type Error struct {
	Code     ErrorCode
	ScimType string
	Reason   Reason
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

// Reason is a stable machine key for what went wrong, finer than ErrorCode:
// "username_taken" and "domain_not_linked" are both EConflict. Code that
// must tell failures apart (the console's advice, the admin API's "reason",
// the request log) branches on it, never on the wording of Detail, which
// is written for people and may change.
type Reason string

// Reasons. Each one has a row in reasons that fixes its code and SCIM type,
// so an error made with E always carries all three consistently.
const (
	// Directory and admin bearer tokens.
	ReasonTokenMissing Reason = "token_missing" // no bearer token, or not a Roster token
	ReasonTokenUnknown Reason = "token_unknown" // a Roster token, but not one of this directory or organization
	ReasonTokenRevoked Reason = "token_revoked"
	ReasonTokenExpired Reason = "token_expired"
	// ReasonTokenReplaced: the token was rotated already; its successor is the one to rotate.
	ReasonTokenReplaced Reason = "token_replaced"

	// Provisioning.
	ReasonUserNameTaken    Reason = "username_taken"     // another user of the organization has the userName
	ReasonGroupNameTaken   Reason = "group_name_taken"   // another group has the displayName
	ReasonDomainNotLinked  Reason = "domain_not_linked"  // the user's email domain belongs to another directory
	ReasonNoEndpoint       Reason = "no_endpoint"        // the URL is no SCIM endpoint of a directory
	ReasonVersionMismatch  Reason = "version_mismatch"   // If-Match did not match
	ReasonRateLimited      Reason = "rate_limited"       // too many requests
	ReasonInvalidFilter    Reason = "invalid_filter"     // a filter Roster cannot read
	ReasonTooMany          Reason = "too_many"           // over a size or count limit
	ReasonInvalidValue     Reason = "invalid_value"      // a value of the wrong type or form
	ReasonUnknownMember    Reason = "unknown_member"     // a group member that is no user or group of the directory
	ReasonUniqueness       Reason = "uniqueness"         // another unique value clashes
	ReasonNameTaken        Reason = "name_taken"         // a name unique in the organization is used already
	ReasonWrongPassword    Reason = "wrong_password"     // the current password given is not the admin's
	ReasonLastOwner        Reason = "last_owner"         // the change would leave the organization without an owner
	ReasonNotOwner         Reason = "not_owner"          // only an owner of the organization may do this
	ReasonUnavailable      Reason = "unavailable"        // the database cannot be reached; try again
	ReasonInsufficientDisk Reason = "insufficient_space" // the database's disk is full
	// ReasonRestoreClash: a deleted user or group cannot be restored because
	// the identity provider has since created one with its name.
	ReasonRestoreClash Reason = "restore_clash"

	// Webhooks.
	ReasonNoSecretKey   Reason = "no_secret_key"  // the server has no key to seal webhook secrets with
	ReasonPrivateTarget Reason = "private_target" // the webhook URL resolves to a non-public address
	ReasonUnknownEvent  Reason = "unknown_event"  // an event filter names no event type
	// ReasonCursorExpired: a change-feed cursor points before events that
	// retention has purged; the client takes a snapshot and follows on.
	ReasonCursorExpired Reason = "cursor_expired"
	// ReasonInvalidCursor: a snapshot cursor that Roster did not hand out.
	ReasonInvalidCursor Reason = "invalid_cursor"

	// Connectors.
	ReasonTargetFailsCheck Reason = "target_fails_check" // the application fails a roster check step the connector needs
	ReasonConnectorBusy    Reason = "connector_busy"     // another node is running the connector's pass
)

// reasons fixes the code and SCIM type of each Reason.
var reasons = map[Reason]struct {
	code     ErrorCode
	scimType string
}{
	ReasonTokenMissing:     {EUnauthorized, ""},
	ReasonTokenUnknown:     {EUnauthorized, ""},
	ReasonTokenRevoked:     {EUnauthorized, ""},
	ReasonTokenExpired:     {EUnauthorized, ""},
	ReasonTokenReplaced:    {EConflict, ""},
	ReasonUserNameTaken:    {EConflict, ScimUniqueness},
	ReasonGroupNameTaken:   {EConflict, ScimUniqueness},
	ReasonDomainNotLinked:  {EConflict, ""},
	ReasonNoEndpoint:       {ENotFound, ""},
	ReasonVersionMismatch:  {EPreconditionFailed, ""},
	ReasonRateLimited:      {ETooManyRequests, ""},
	ReasonInvalidFilter:    {EInvalid, ScimInvalidFilter},
	ReasonTooMany:          {EInvalid, ScimTooMany},
	ReasonInvalidValue:     {EInvalid, ScimInvalidValue},
	ReasonUnknownMember:    {EInvalid, ScimInvalidValue},
	ReasonUniqueness:       {EConflict, ScimUniqueness},
	ReasonNameTaken:        {EConflict, ScimUniqueness},
	ReasonWrongPassword:    {EForbidden, ""},
	ReasonLastOwner:        {EConflict, ""},
	ReasonNotOwner:         {EForbidden, ""},
	ReasonUnavailable:      {EUnavailable, ""},
	ReasonInsufficientDisk: {EInsufficientStorage, ""},
	ReasonRestoreClash:     {EConflict, ""},
	ReasonNoSecretKey:      {EInvalid, ""},
	ReasonPrivateTarget:    {EInvalid, ""},
	ReasonUnknownEvent:     {EInvalid, ""},
	ReasonCursorExpired:    {EGone, ""},
	ReasonInvalidCursor:    {EInvalid, ScimInvalidCursor},
	ReasonTargetFailsCheck: {EInvalid, ""},
	ReasonConnectorBusy:    {EConflict, ""},
}

// scimReasons names the reason of an error that carries only a SCIM type.
var scimReasons = map[string]Reason{
	ScimInvalidFilter: ReasonInvalidFilter,
	ScimTooMany:       ReasonTooMany,
	ScimInvalidValue:  ReasonInvalidValue,
	ScimUniqueness:    ReasonUniqueness,
}

// E returns an *Error for reason, with the code and SCIM type the reason
// fixes and a formatted detail.
func E(reason Reason, format string, args ...any) *Error {
	r, ok := reasons[reason]
	if !ok {
		panic("roster: reason " + string(reason) + " has no row in reasons") // a programming error, caught by TestReasons
	}
	return &Error{Code: r.code, ScimType: r.scimType, Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// ReasonOf returns err's reason: the one it was made with, else the one its
// SCIM type implies, else its code as a reason ("not_found", "internal").
// It is "" for nil.
func ReasonOf(err error) Reason {
	if err == nil {
		return ""
	}
	e := AsError(err)
	switch {
	case e.Reason != "":
		return e.Reason
	case scimReasons[e.ScimType] != "":
		return scimReasons[e.ScimType]
	}
	return Reason(e.Code)
}
