// Package users holds the rules an admin's tools follow for the users of
// an organization: how a user is named on a form or a command line (its
// ID, its userName or its email address), and taking a synced user over
// from its directory (unlinking). Identity providers change users through
// SCIM (http/scimapi); this package is for the admin's side. The console,
// the admin API and the command line call it.
//
// It depends on the root package roster only.
package users

import (
	"context"
	"strings"

	"github.com/rosterhq/roster"
)

// Finder is what finding a user needs of a store.
type Finder interface {
	FindUser(ctx context.Context, orgID, idOrUserName string) (*roster.User, error)
	ListOrgUsers(ctx context.Context, orgID string, f roster.UserFilter, offset, limit int) (*roster.Page[roster.User], error)
}

// Find returns the user of organization orgID that ref names: its ID, its
// userName, or else its email address (which may differ from the
// userName). An email several users share is refused: name one by ID.
func Find(ctx context.Context, s Finder, orgID, ref string) (*roster.User, error) {
	ref = strings.TrimSpace(ref)
	u, err := s.FindUser(ctx, orgID, ref)
	if err == nil || roster.ErrorCodeOf(err) != roster.ENotFound || !roster.IsEmailAddress(ref) {
		return u, err
	}
	// The search is served by the email index; the page holds the few
	// users whose userName, name or email contains the address.
	const pageSize = 100
	var found []roster.User
	for offset := 0; ; offset += pageSize {
		page, perr := s.ListOrgUsers(ctx, orgID, roster.UserFilter{Search: ref}, offset, pageSize)
		if perr != nil {
			return nil, perr
		}
		for _, u := range page.Items {
			if strings.EqualFold(u.Email, ref) {
				found = append(found, u)
			}
		}
		if len(page.Items) < pageSize {
			break
		}
	}
	switch len(found) {
	case 0:
		return nil, roster.NotFoundf("the organization has no user %q (by ID, userName or email)", ref)
	case 1:
		return &found[0], nil
	}
	return nil, roster.Errorf(roster.EConflict, "", "%d users have the email %s; name one by its ID or userName", len(found), ref)
}

// Store is what the admin's user changes need of a store.
type Store interface {
	Finder
	UnlinkUser(ctx context.Context, orgID, userID string) error
}

// Unlink detaches the user ref names from its directory: it becomes
// local, its identity provider no longer sees or changes it, and an admin
// owns it. It returns the user as it is now.
func Unlink(ctx context.Context, s Store, orgID, ref string) (*roster.User, error) {
	u, err := Find(ctx, s, orgID, ref)
	if err != nil {
		return nil, err
	}
	if err := s.UnlinkUser(ctx, orgID, u.ID); err != nil {
		return nil, err
	}
	return s.FindUser(ctx, orgID, u.ID)
}
