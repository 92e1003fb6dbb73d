package roster

// Store keeps everything Roster knows. Every method that touches an
// organization's data takes that organization or directory as a parameter
// and confines its queries to it: a resource of another tenant is ENotFound,
// never visible. Every method that changes data does so in one transaction
// that also appends the matching Event, so an acknowledged change is durable
// and audited together.
//
// Implementations live under storage/; storage/conformance is the test suite
// each of them must pass.
type Store interface {
	Orgs
	Directories
	DirectoryAuth
	TokenExpiry
	Provisioning
	Deletions
	Domains
	Access
	Conflicts
	LocalGroups
	Admins
	Audit
	ChangeFeed
	RequestLog
	Reports
	Webhooks
	Connectors
	Keys

	Close() error
}
