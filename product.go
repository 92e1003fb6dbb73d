package roster

import (
	"regexp"
	"time"
)

// Product is an application an organization runs ("jira", "wiki"): what
// access is granted to.
type Product struct {
	OrgID   string
	Key     string // short, stable, used in URLs: [a-z0-9-]
	Name    string
	Created time.Time
}

var productKey = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidProductKey reports whether key can be a product's key: 1 to 63
// lower-case letters, digits and -, starting with a letter or digit.
// Applications put keys in URLs (the admin API's access check).
func ValidProductKey(key string) bool { return productKey.MatchString(key) }

// Roles a grant gives.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// Grant gives the members of a group (synced or local, members of nested
// groups included) access to a product with a role.
type Grant struct {
	OrgID     string
	Product   string // the product's key
	GroupID   string
	GroupName string // filled in by reads
	Role      string
	Created   time.Time
}

// Access is what a user may do with a product: the union of the grants of
// the groups it belongs to. A deactivated or deleted user has none.
type Access struct {
	Allowed bool
	Role    string     // admin if any grant says so, else user; "" without access
	Via     []GroupRef // the groups whose grants apply
	Reason  string     // why access is refused, for people
}

// ProductCounts are the users with access to a product, as a bill would
// count them: active users only, each once.
type ProductCounts struct {
	Users    int
	Managed  int
	External int
}

// ProductUser is a user with access to a product, as the product's page lists them.
type ProductUser struct {
	User
	Role string // RoleAdmin or RoleUser
}
