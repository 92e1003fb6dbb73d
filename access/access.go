// Package access holds the rules of products and product access: what a
// product's key and name may be, which roles a grant gives, and the
// changes an admin makes to who has access (grants, revocations, default
// groups). The console, the admin API and the command line call it, so a
// product made on one surface is valid on every other; the answer to "may
// this user use this product" is the store's (roster.Access.CheckAccess),
// one query for every caller.
//
// It depends on the root package roster only, and takes the narrow store
// interface roster.Access.
package access

import (
	"context"
	"strings"

	"github.com/rosterhq/roster"
)

// MaxNameLen bounds a product's name.
const MaxNameLen = 200

// Service applies the rules; its fields are its dependencies.
type Service struct {
	Store roster.Access
}

// CreateProduct adds a product to organization orgID. The key is what
// applications ask about (jira); the name is for people and defaults to
// the key.
func (s *Service) CreateProduct(ctx context.Context, orgID, key, name string) (*roster.Product, error) {
	key, name = strings.TrimSpace(key), strings.TrimSpace(name)
	if !roster.ValidProductKey(key) {
		return nil, roster.Invalidf("", "a product key is 1 to 63 lower-case letters, digits and -, starting with a letter or digit (jira, wiki); not %q", key)
	}
	if name == "" {
		name = key
	}
	if len(name) > MaxNameLen || !roster.IsText(name) {
		return nil, roster.Invalidf("", "a product's name is at most %d characters of text", MaxNameLen)
	}
	p := roster.Product{OrgID: orgID, Key: key, Name: name}
	if err := s.Store.CreateProduct(ctx, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Role checks a grant's role; "" is RoleUser.
func Role(role string) (string, error) {
	switch role = strings.ToLower(strings.TrimSpace(role)); role {
	case "":
		return roster.RoleUser, nil
	case roster.RoleUser, roster.RoleAdmin:
		return role, nil
	}
	return "", roster.Invalidf("", "a grant's role is %s or %s, not %q", roster.RoleUser, roster.RoleAdmin, role)
}

// Grant gives group groupID of organization orgID access to product with
// role ("" for user), or changes the role of the group's grant.
func (s *Service) Grant(ctx context.Context, orgID, product, groupID, role string) (*roster.Grant, error) {
	role, err := Role(role)
	if err != nil {
		return nil, err
	}
	g := roster.Grant{OrgID: orgID, Product: product, GroupID: groupID, Role: role}
	if err := s.Store.GrantAccess(ctx, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// Revoke takes a group's access to a product away.
func (s *Service) Revoke(ctx context.Context, orgID, product, groupID string) error {
	return s.Store.RevokeAccess(ctx, roster.ProductScope{OrgID: orgID, Product: product}, groupID)
}

// SetDefault makes a local group one that every new managed account joins
// (on false, stops it).
func (s *Service) SetDefault(ctx context.Context, orgID, product, groupID string, on bool) error {
	return s.Store.SetDefaultGroup(ctx, roster.ProductScope{OrgID: orgID, Product: product}, groupID, on)
}
