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
	key = strings.TrimSpace(key)
	if !roster.ValidProductKey(key) {
		return nil, roster.Invalidf("", "a product key is 1 to 63 lower-case letters, digits and -, starting with a letter or digit (jira, wiki); not %q", key)
	}
	if name == "" {
		name = key
	}
	name, err := Name(name)
	if err != nil {
		return nil, err
	}
	p := roster.Product{OrgID: orgID, Key: key, Name: name}
	if err := s.Store.CreateProduct(ctx, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Name checks a product's name and returns it trimmed. Names are unique
// in the organization, compared by roster.NameKey (the store checks).
func Name(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxNameLen || !roster.IsText(name) {
		return "", roster.Invalidf("", "give the product a name of 1 to %d characters of text", MaxNameLen)
	}
	return name, nil
}

// RenameProduct renames product key of organization orgID; a name another
// product of the organization has (in any case) is roster.ReasonNameTaken.
func (s *Service) RenameProduct(ctx context.Context, orgID, key, name string) (*roster.Product, error) {
	name, err := Name(name)
	if err != nil {
		return nil, err
	}
	return s.Store.UpdateProduct(ctx, roster.ProductScope{OrgID: orgID, Product: key}, func(p *roster.Product) error {
		p.Name = name
		return nil
	})
}

// ProductDeletion is what deleting a product takes away: every user's
// access to it, the grants that gave it, and its default groups' role
// (the groups themselves stay).
type ProductDeletion struct {
	Product  roster.Product
	Counts   roster.ProductCounts // the users who lose access
	Grants   []roster.Grant
	Defaults []roster.Group
}

// ProductDeletion says what deleting product key would take away, for
// the confirmation every surface shows or asks for first.
func (s *Service) ProductDeletion(ctx context.Context, orgID, key string) (*ProductDeletion, error) {
	p, err := s.Store.GetProduct(ctx, orgID, key)
	if err != nil {
		return nil, err
	}
	d := &ProductDeletion{Product: *p}
	counts, err := s.Store.GetProductCounts(ctx, orgID, key)
	if err != nil {
		return nil, err
	}
	d.Counts = *counts
	if d.Grants, err = s.Store.ListGrants(ctx, orgID, key); err != nil {
		return nil, err
	}
	if d.Defaults, err = s.Store.ListDefaultGroups(ctx, orgID, key); err != nil {
		return nil, err
	}
	return d, nil
}

// DeleteProduct deletes product key with its grants and default groups,
// and returns what went (taken just before).
func (s *Service) DeleteProduct(ctx context.Context, orgID, key string) (*ProductDeletion, error) {
	d, err := s.ProductDeletion(ctx, orgID, key)
	if err != nil {
		return nil, err
	}
	if err := s.Store.DeleteProduct(ctx, roster.ProductScope{OrgID: orgID, Product: key}); err != nil {
		return nil, err
	}
	return d, nil
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
