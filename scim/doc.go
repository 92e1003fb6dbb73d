// Package scim is the SCIM 2.0 protocol (RFC 7643, RFC 7644, RFC 9865) as
// pure functions: the schemas Roster serves, resource decoding,
// normalization and encoding, filter parsing into roster.Filter (and the
// in-memory evaluator PATCH uses on one resource's values), the PATCH
// engine, projection, list and cursor paging, bulk and search request
// bodies, and SCIM error bodies.
//
// It owns the protocol and does no I/O: no network, no files, no database,
// no clock it cannot be given. So every rule of the protocol can be tested
// without a server or a store, and every value a client sends is checked
// here before any store sees it.
//
// It may depend on the standard library, the root package roster (domain
// types, roster.Filter and roster.Error) and github.com/scim2/filter-parser
// for the filter grammar; never on storage or http, which depend on it.
// TestImports holds it to that.
package scim
