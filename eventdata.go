package roster

import (
	"encoding/json"
	"reflect"
	"time"
)

// The normalized event payloads: the documented, stable JSON shapes that
// webhooks deliver and the change feed returns (docs/api.md lists every
// event type with an example). The store builds them in the transaction of
// the change (Event.Data), so a payload always says what that change left.
//
// Every user and group event carries the whole resource as it is after the
// change (for a deletion: as it was), not a delta: a consumer applies
// events as upserts and deletions, and applying one twice, or one it has
// already seen in a snapshot, changes nothing. That is what lets a
// snapshot taken while writes go on be completed by the feed (see
// Snapshots).

// The event types of users, groups and memberships.
const (
	EventUserCreated       = "user.created"
	EventUserUpdated       = "user.updated"
	EventUserDeactivated   = "user.deactivated"
	EventUserReactivated   = "user.reactivated"
	EventUserDeleted       = "user.deleted"
	EventUserRestored      = "user.restored"
	EventGroupCreated      = "group.created"
	EventGroupUpdated      = "group.updated" // a rename is an update whose previous holds displayName
	EventGroupDeleted      = "group.deleted"
	EventGroupRestored     = "group.restored"
	EventMemberAdded       = "group.member_added"
	EventMemberRemoved     = "group.member_removed"
	EventTokenExpiring     = "directory.token_expiring"
	EventDomainFailing     = "domain.failing"
	EventDirectoryDeleted  = "directory.deleted"
	EventUserBecameManaged = "user.became_managed"
	EventUserLeftManaged   = "user.left_managed_domains"
)

// UserData is the normalized user.
type UserData struct {
	ID          string `json:"id"`
	DirectoryID string `json:"directoryId"` // "" for a local user
	UserName    string `json:"userName"`
	DisplayName string `json:"displayName"`
	// Email is the address Roster reasons about: the primary email, else
	// the first one, else the userName when it is an address.
	Email        string          `json:"email"`
	Name         PersonName      `json:"name"`
	Active       bool            `json:"active"`
	Managed      bool            `json:"managed"` // true: on a verified domain of the organization; false: external
	ExternalID   string          `json:"externalId"`
	Created      time.Time       `json:"created"`
	LastModified time.Time       `json:"lastModified"`
	SCIM         json.RawMessage `json:"scim"` // the SCIM document as stored
}

// PersonName is a user's name, from its SCIM document.
type PersonName struct {
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
	Formatted  string `json:"formatted"`
}

// NewUserData is u in the normalized shape.
func NewUserData(u *User) UserData {
	var doc struct {
		Name PersonName `json:"name"`
	}
	json.Unmarshal(u.Attributes, &doc) // a document without a usable name has none
	return UserData{ID: u.ID, DirectoryID: u.DirectoryID, UserName: u.UserName, DisplayName: u.DisplayName, Email: u.Email,
		Name: doc.Name, Active: u.Active, Managed: u.Managed, ExternalID: u.ExternalID,
		Created: u.Created.UTC(), LastModified: u.LastModified.UTC(), SCIM: jsonOrEmpty(u.Attributes)}
}

// GroupData is the normalized group.
type GroupData struct {
	ID           string          `json:"id"`
	DirectoryID  string          `json:"directoryId"` // "" for a local group
	DisplayName  string          `json:"displayName"`
	ExternalID   string          `json:"externalId"`
	Created      time.Time       `json:"created"`
	LastModified time.Time       `json:"lastModified"`
	SCIM         json.RawMessage `json:"scim"` // the SCIM document as stored, without members
}

// NewGroupData is g, of directory directoryID ("" for a local group), in
// the normalized shape. Its members are not part of it: they are
// memberships (MembershipData), each with its own events.
func NewGroupData(g *Group, directoryID string) GroupData {
	return GroupData{ID: g.ID, DirectoryID: directoryID, DisplayName: g.DisplayName, ExternalID: g.ExternalID,
		Created: g.Created.UTC(), LastModified: g.LastModified.UTC(), SCIM: jsonOrEmpty(g.Attributes)}
}

// MembershipData is one membership: the payload of group.member_added and
// group.member_removed, and one item of a memberships snapshot.
type MembershipData struct {
	Group  MembershipGroup  `json:"group"`
	Member MembershipMember `json:"member"`
}

// MembershipGroup names the group of a membership.
type MembershipGroup struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// MembershipMember names the member of a membership.
type MembershipMember struct {
	Type    string `json:"type"` // MemberUser or MemberGroup
	ID      string `json:"id"`
	Display string `json:"display"`
}

// ChangeData is the payload of an update: the resource as it is now and,
// in Previous, what the change replaced.
type ChangeData[T any] struct {
	Resource T
	Previous map[string]any
}

// MarshalJSON writes the resource's fields with "previous" beside them.
func (c ChangeData[T]) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(c.Resource)
	if err != nil || c.Previous == nil {
		return b, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, err
	}
	prev, err := json.Marshal(c.Previous)
	if err != nil {
		return nil, err
	}
	fields["previous"] = prev
	return json.Marshal(fields)
}

// Previous lists what changed from before to after (two values of one
// normalized type) with the values before: each changed field by its JSON
// name, and under "scim" each changed top-level attribute of the SCIM
// document with its previous raw value (null when it was absent). id,
// created and lastModified are left out: they are no change of their own.
// It returns nil when nothing but those changed.
func Previous(before, after any) map[string]any {
	var b, a map[string]json.RawMessage
	bb, _ := json.Marshal(before)
	ab, _ := json.Marshal(after)
	json.Unmarshal(bb, &b)
	json.Unmarshal(ab, &a)
	out := map[string]any{}
	for k, v := range b {
		switch k {
		case "id", "created", "lastModified":
			continue
		case "scim":
			if scim := previousAttributes(v, a[k]); len(scim) > 0 {
				out[k] = scim
			}
			continue
		}
		if !sameJSON(v, a[k]) {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// previousAttributes maps each top-level attribute that differs between two
// SCIM documents to its value in before (null when absent). schemas is
// left out: it follows the attributes.
func previousAttributes(before, after []byte) map[string]json.RawMessage {
	var b, a map[string]json.RawMessage
	json.Unmarshal(before, &b)
	json.Unmarshal(after, &a)
	out := map[string]json.RawMessage{}
	for k, v := range b {
		if k != "schemas" && !sameJSON(v, a[k]) {
			out[k] = v
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok && k != "schemas" {
			out[k] = json.RawMessage("null")
		}
	}
	return out
}

// sameJSON reports whether two JSON texts are equal as values (the bytes
// differ when a database reformats what it stores).
func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(va, vb)
}

func jsonOrEmpty(b []byte) json.RawMessage {
	if len(b) == 0 || !json.Valid(b) {
		return json.RawMessage("{}")
	}
	return json.RawMessage(b)
}

// TokenExpiringData is the payload of directory.token_expiring.
type TokenExpiringData struct {
	DirectoryID string    `json:"directoryId"`
	TokenID     string    `json:"tokenId"`
	TokenName   string    `json:"tokenName"`
	Expires     time.Time `json:"expires"`
	DaysLeft    int       `json:"daysLeft"` // the warning this is: 14 or 3
}

// DomainFailingData is the payload of domain.failing.
type DomainFailingData struct {
	Domain    string    `json:"domain"`
	Error     string    `json:"error"` // why the re-check failed
	CheckedAt time.Time `json:"checkedAt"`
}

// MarshalData is the JSON of a payload. The shapes above always marshal;
// an error would be a programming error and panics.
func MarshalData(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("roster: event data: " + err.Error())
	}
	return b
}
