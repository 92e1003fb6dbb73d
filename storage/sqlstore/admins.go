package sqlstore

// STUB: helper-4 replaces this file with the real implementation.

import (
	"context"
	"time"

	"github.com/rosterhq/roster"
)

func notYet() error {
	return roster.Errorf(roster.ENotImplemented, "", "admins are not implemented yet")
}

func (s *Store) CreateAdmin(ctx context.Context, a *roster.Admin) error { return notYet() }
func (s *Store) Admin(ctx context.Context, orgID, adminID string) (*roster.Admin, error) {
	return nil, notYet()
}
func (s *Store) AdminByEmail(ctx context.Context, orgID, email string) (*roster.Admin, error) {
	return nil, notYet()
}
func (s *Store) Admins(ctx context.Context, orgID string) ([]roster.Admin, error) {
	return nil, notYet()
}
func (s *Store) SetAdminPassword(ctx context.Context, orgID, adminID, hash string) error {
	return notYet()
}
func (s *Store) AdminSignedIn(ctx context.Context, orgID, adminID string, at time.Time) error {
	return notYet()
}
func (s *Store) CreateAdminToken(ctx context.Context, t *roster.AdminToken) error { return notYet() }
func (s *Store) AdminTokensByPrefix(ctx context.Context, orgID, prefix string) ([]roster.AdminToken, error) {
	return nil, notYet()
}
func (s *Store) AdminTokens(ctx context.Context, orgID, adminID string) ([]roster.AdminToken, error) {
	return nil, notYet()
}
func (s *Store) RevokeAdminToken(ctx context.Context, orgID, tokenID string) error { return notYet() }
func (s *Store) SpendAdminToken(ctx context.Context, orgID, tokenID string) (bool, error) {
	return false, notYet()
}
func (s *Store) TouchAdminToken(ctx context.Context, orgID, tokenID string, at time.Time) error {
	return notYet()
}
