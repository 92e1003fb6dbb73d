// Package conformance is the test suite every roster.Store implementation
// must pass (the pattern of dex's storage/conformance). A backend's own test
// calls Run with a function that returns a fresh, empty store; the suite
// checks what the API relies on: CRUD, tenant isolation, uniqueness, every
// filter operator, sorting and paging, membership semantics, versions,
// timestamps, audit events and behaviour under concurrency.
//
// It may depend on the root package and scim only: it tests a store
// through roster.Store, never an implementation's internals.
package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
)

// NewStore returns a fresh, empty store; it is closed by the suite.
type NewStore func(t *testing.T) roster.Store

// Run runs the whole suite against stores made by newStore.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s roster.Store)
	}{
		{"OrgsAndDirectories", testOrgsAndDirectories},
		{"Tokens", testTokens},
		{"RotationIsSingleUse", testRotationIsSingleUse},
		{"BadInput", testBadInput},
		{"UserCRUD", testUserCRUD},
		{"UserNameUniqueness", testUserNameUniqueness},
		{"UserNameKeys", testUserNameKeys},
		{"TenantIsolation", testTenantIsolation},
		{"Filters", testFilters},
		{"IndexedFilters", testIndexedFilters},
		{"SortAndPage", testSortAndPage},
		{"CursorWalk", testCursorWalk},
		{"Membership", testMembership},
		{"UsersWithGroups", testUsersWithGroups},
		{"NestedGroups", testNestedGroups},
		{"Versions", testVersions},
		{"Events", testEvents},
		{"ConcurrentMemberAdds", testConcurrentMemberAdds},
		{"ConcurrentGroupChanges", testConcurrentGroupChanges},
		{"ConcurrentSameUserName", testConcurrentSameUserName},
		{"ConcurrentPatchesOfOneUser", testConcurrentPatchesOfOneUser},
		{"Domains", testDomains},
		{"Admins", testAdmins},
		{"AdminRoles", testAdminRoles},
		{"Keys", testKeys},
		{"DirectoryNames", testDirectoryNames},
		{"Products", testProducts},
		{"AccessEvents", testAccessEvents},
		{"Conflicts", testConflicts},
		{"OrgLists", testOrgLists},
		{"AdminSearch", testAdminSearch},
		{"DeleteDirectory", testDeleteDirectory},
		{"FindEvents", testFindEvents},
		{"RequestLog", testRequestLog},
		{"Deletion", testDeletion}, {"DeletionPolicy", testDeletionPolicy},
		{"Webhooks", testWebhooks},
		{"EventData", testEventData},
		{"ChangeFeed", testChangeFeed},
		{"SnapshotWhileWriting", testSnapshotWhileWriting},
		{"TokenExpiry", testTokenExpiry},
		{"DeliveryAttempts", testDeliveryAttempts},
		{"RecordAttemptsBatch", testRecordAttemptsBatch},
		{"Connectors", testConnectors},
		{"ConnectorGroups", testConnectorGroups},
		{"ConnectorDeliveryRetention", testConnectorDeliveryRetention},
		{"RequestWarnings", testRequestWarnings},
		{"DirectorySettings", testDirectorySettings},
		{"ProductAndGroupNames", testProductAndGroupNames},
		{"DeleteProductAndAccessThrough", testDeleteProductAndAccessThrough},
		{"EffectiveLinkPreview", testEffectiveLinkPreview},
		{"EventFiltersAndNames", testEventFiltersAndNames},
		{"FirstSync", testFirstSync},
		{"RequestStatsOneSnapshot", testRequestStatsOneSnapshot},
		{"BulkEvents", testBulkEvents},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

var ctx = context.Background()

// fixture is an organization with one directory.
type fixture struct {
	org    roster.Org
	dir    roster.Directory
	tenant roster.DirectoryScope
}

func newFixture(t *testing.T, s roster.Store, name string) fixture {
	t.Helper()
	org, dir := NewDirectory(t, s, name)
	return fixture{org: org, dir: dir, tenant: dir.Scope()}
}

func (f fixture) addDirectory(t *testing.T, s roster.Store, name string) roster.Directory {
	t.Helper()
	return AddDirectory(t, s, f.org.ID, name)
}

// NewDirectory creates, through s, an organization called name with one
// directory: the suite's fixture, for the tests of other packages that
// need a store with a directory (auth's revocation across nodes).
func NewDirectory(t *testing.T, s roster.Store, name string) (roster.Org, roster.Directory) {
	t.Helper()
	org := roster.Org{Name: name}
	must(t, s.CreateOrg(ctx, &org))
	return org, AddDirectory(t, s, org.ID, name+" directory")
}

// AddDirectory creates a directory called name in the organization, with
// a token whose secret nobody keeps.
func AddDirectory(t *testing.T, s roster.Store, orgID, name string) roster.Directory {
	t.Helper()
	d := roster.Directory{OrgID: orgID, Name: name}
	_, tok := roster.NewTokenSecret()
	must(t, s.CreateDirectory(ctx, &d, &tok))
	return d
}

// seeded returns a random source from a new seed, which it logs, so
// that a failing randomized test can be replayed.
func seeded(t *testing.T) (uint64, *rand.Rand) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	return seed, rand.New(rand.NewPCG(seed, seed>>7))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code roster.ErrorCode) *roster.Error {
	t.Helper()
	if roster.ErrorCodeOf(err) != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	var e *roster.Error
	errors.As(err, &e)
	return e
}

// user builds a roster.User from SCIM JSON the way the API does.
func user(t *testing.T, body string) *roster.User {
	t.Helper()
	obj, err := scim.Decode([]byte(body))
	must(t, err)
	res, err := scim.UserType.Normalize(obj)
	must(t, err)
	u := &roster.User{}
	scim.UserFromDoc(res.Doc, u)
	return u
}

// sameJSON compares documents as JSON values: a database may reformat
// what it stores (Postgres's jsonb does).
func sameJSON(a, b []byte) bool {
	var va, vb any
	return json.Unmarshal(a, &va) == nil && json.Unmarshal(b, &vb) == nil && reflect.DeepEqual(va, vb)
}

func group(t *testing.T, name string) *roster.Group {
	t.Helper()
	res, err := scim.GroupType.Normalize(map[string]any{"displayName": name})
	must(t, err)
	g := &roster.Group{}
	scim.GroupFromDoc(res.Doc, g)
	return g
}

// createUsers creates n users named by format (a verb for their index)
// and returns their IDs in that order.
func createUsers(t *testing.T, s roster.Store, tn roster.DirectoryScope, n int, format string) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = createUser(t, s, tn, fmt.Sprintf(format, i)).ID
	}
	return ids
}

func createUser(t *testing.T, s roster.Store, tn roster.DirectoryScope, userName string, extra ...string) *roster.User {
	t.Helper()
	body := fmt.Sprintf(`{"userName":%q%s}`, userName, strings.Join(extra, ""))
	u := user(t, body)
	must(t, s.CreateUser(ctx, tn, u))
	return u
}

func createGroup(t *testing.T, s roster.Store, tn roster.DirectoryScope, name string, members ...string) *roster.Group {
	t.Helper()
	g := group(t, name)
	must(t, s.CreateGroup(ctx, tn, g, members))
	return g
}

func members(t *testing.T, s roster.Store, tn roster.DirectoryScope, groupID string) []string {
	t.Helper()
	var ids []string
	must(t, s.ListMembers(ctx, tn, groupID, func(m roster.Member) error {
		ids = append(ids, m.ID)
		return nil
	}))
	slices.Sort(ids)
	return ids
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func testOrgsAndDirectories(t *testing.T, s roster.Store) {
	a := newFixture(t, s, "Acme")
	b := newFixture(t, s, "Beta")
	got, err := s.GetOrg(ctx, a.org.ID)
	must(t, err)
	if got.Name != "Acme" || !got.Created.Equal(a.org.Created) || got.Created.Location() != time.UTC {
		t.Errorf("Org = %+v, want name Acme created %v UTC", got, a.org.Created)
	}
	second := a.addDirectory(t, s, "Okta")
	dirs, err := s.ListDirectories(ctx, a.org.ID)
	must(t, err)
	if len(dirs) != 2 || dirs[0].ID != a.dir.ID || dirs[1].ID != second.ID {
		t.Errorf("Directories = %+v, want [%s %s]", dirs, a.dir.ID, second.ID)
	}
	if _, err := s.GetDirectory(ctx, b.org.ID, a.dir.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("another org's directory: err = %v, want not found", err)
	}
	if _, err := s.GetOrg(ctx, "nope"); roster.ErrorCodeOf(err) != roster.ENotFound {
		t.Errorf("missing org: err = %v, want not found", err)
	}
	d := roster.Directory{OrgID: "nope", Name: "x"}
	_, tok := roster.NewTokenSecret()
	wantCode(t, s.CreateDirectory(ctx, &d, &tok), roster.ENotFound)
}

func testTokens(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	secret, tok := roster.NewTokenSecret()
	tok.OrgID, tok.DirectoryID, tok.Name = f.org.ID, f.dir.ID, "entra"
	tok.Expires = time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	must(t, s.CreateToken(ctx, &tok))

	found, err := s.ListTokensByPrefix(ctx, f.dir.ID, roster.TokenPrefix(secret))
	must(t, err)
	if len(found) != 1 || !found[0].Matches(secret) || found[0].Name != "entra" || !found[0].Expires.Equal(tok.Expires) {
		t.Fatalf("TokensByPrefix = %+v, want the entra token", found)
	}
	if found, _ := s.ListTokensByPrefix(ctx, other.dir.ID, roster.TokenPrefix(secret)); len(found) != 0 {
		t.Errorf("another directory finds the token: %+v", found)
	}
	cross := tok
	cross.OrgID = other.org.ID
	wantCode(t, s.CreateToken(ctx, &cross), roster.ENotFound)

	_, next := roster.NewTokenSecret()
	graceEnd := time.Now().Add(10 * time.Minute).UTC().Truncate(time.Microsecond)
	must(t, s.RotateToken(ctx, roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.dir.ID}, tok.ID, graceEnd, &next))
	list, err := s.ListTokens(ctx, f.org.ID, f.dir.ID)
	must(t, err)
	byID := map[string]roster.Token{}
	for _, k := range list {
		byID[k.ID] = k
	}
	if old := byID[tok.ID]; !old.Expires.Equal(graceEnd) {
		t.Errorf("rotated token expires %v, want %v", old.Expires, graceEnd)
	}
	if n := byID[next.ID]; n.Name != "entra" || n.Status(time.Now()) != roster.TokenActive {
		t.Errorf("new token = %+v, want an active token named entra", n)
	}
	must(t, s.RevokeToken(ctx, roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.dir.ID}, next.ID))
	wantCode(t, s.RevokeToken(ctx, roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.dir.ID}, next.ID), roster.ENotFound)
	wantCode(t, s.RevokeToken(ctx, roster.DirectoryScope{OrgID: other.org.ID, DirectoryID: other.dir.ID}, tok.ID), roster.ENotFound)
	list, _ = s.ListTokens(ctx, f.org.ID, f.dir.ID)
	for _, k := range list {
		if k.ID == next.ID && k.Status(time.Now()) != roster.TokenRevoked {
			t.Errorf("revoked token status = %s", k.Status(time.Now()))
		}
	}
	used := time.Now().UTC().Truncate(time.Microsecond)
	must(t, s.TouchToken(ctx, f.dir.ID, tok.ID, used))
	found, _ = s.ListTokensByPrefix(ctx, f.dir.ID, tok.Prefix)
	if !found[0].LastUsed.Equal(used) {
		t.Errorf("LastUsed = %v, want %v", found[0].LastUsed, used)
	}
}

func testUserCRUD(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	u := createUser(t, s, f.tenant, "alice@acme.test", `,"displayName":"Alice","externalId":"ext-1","emails":[{"value":"alice@acme.test","primary":true}]`)
	if u.ID == "" || u.Version != 1 || u.Created.IsZero() || !u.Created.Equal(u.LastModified) {
		t.Fatalf("created user = %+v", u)
	}
	got, err := s.GetUser(ctx, f.tenant, u.ID)
	must(t, err)
	if got.UserName != "alice@acme.test" || got.DisplayName != "Alice" || got.ExternalID != "ext-1" || !got.Active || got.Email != "alice@acme.test" ||
		!sameJSON(got.Attributes, u.Attributes) || got.Created.Location() != time.UTC || !got.Created.Equal(u.Created) {
		t.Errorf("User = %+v, want what was created (%+v)", got, u)
	}

	updated, err := s.UpdateUser(ctx, f.tenant, u.ID, func(u *roster.User) error {
		*u = *user(t, `{"userName":"alice@acme.test","displayName":"Alice Smith","active":false}`)
		return nil
	})
	must(t, err)
	if updated.Version != 2 || updated.Active || updated.DisplayName != "Alice Smith" || updated.ID != u.ID || !updated.Created.Equal(u.Created) {
		t.Errorf("updated = %+v", updated)
	}
	// An update that changes nothing keeps the version.
	same, err := s.UpdateUser(ctx, f.tenant, u.ID, func(u *roster.User) error { return nil })
	must(t, err)
	if same.Version != 2 {
		t.Errorf("no-op update moved the version to %d", same.Version)
	}
	// An update that fails changes nothing.
	boom := roster.Invalidf(roster.ScimInvalidValue, "boom")
	if _, err := s.UpdateUser(ctx, f.tenant, u.ID, func(u *roster.User) error { u.DisplayName = "x"; return boom }); err != boom {
		t.Errorf("failing update: err = %v, want the updater's error", err)
	}
	wantCode(t, s.DeleteUser(ctx, f.tenant, u.ID, 1), roster.EPreconditionFailed)
	must(t, s.DeleteUser(ctx, f.tenant, u.ID, 2))
	_, err = s.GetUser(ctx, f.tenant, u.ID)
	wantCode(t, err, roster.ENotFound)
	wantCode(t, s.DeleteUser(ctx, f.tenant, u.ID, 0), roster.ENotFound)
	_, err = s.UpdateUser(ctx, f.tenant, u.ID, func(*roster.User) error { return nil })
	wantCode(t, err, roster.ENotFound)
}

func testUserNameUniqueness(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	okta := f.addDirectory(t, s, "Okta")
	other := newFixture(t, s, "Other")
	first := createUser(t, s, f.tenant, "Bob@Acme.test")

	e := wantCode(t, s.CreateUser(ctx, f.tenant, user(t, `{"userName":"bob@acme.TEST"}`)), roster.EConflict)
	if e.ScimType != roster.ScimUniqueness || !strings.Contains(e.Detail, first.ID) {
		t.Errorf("same directory clash = %+v, want uniqueness naming %s", e, first.ID)
	}
	oktaTenant := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: okta.ID}
	e = wantCode(t, s.CreateUser(ctx, oktaTenant, user(t, `{"userName":"BOB@acme.test"}`)), roster.EConflict)
	if e.ScimType != roster.ScimUniqueness || !strings.Contains(e.Detail, "Acme directory") {
		t.Errorf("cross-directory clash = %+v, want uniqueness naming the directory", e)
	}
	// Another organization may use the same userName.
	createUser(t, s, other.tenant, "bob@acme.test")
	// A rename onto a taken name is a conflict too.
	second := createUser(t, s, f.tenant, "carol@acme.test")
	_, err := s.UpdateUser(ctx, f.tenant, second.ID, func(u *roster.User) error {
		*u = *user(t, `{"userName":"BOB@ACME.TEST"}`)
		return nil
	})
	wantCode(t, err, roster.EConflict)
	// Freed names can be taken again.
	must(t, s.DeleteUser(ctx, f.tenant, first.ID, 0))
	createUser(t, s, oktaTenant, "bob@acme.test")
}

func testTenantIsolation(t *testing.T, s roster.Store) {
	a := newFixture(t, s, "Acme")
	b := newFixture(t, s, "Beta")
	sibling := roster.DirectoryScope{OrgID: a.org.ID, DirectoryID: a.addDirectory(t, s, "Okta").ID}
	u := createUser(t, s, a.tenant, "dave@acme.test")
	g := createGroup(t, s, a.tenant, "Engineering", u.ID)
	mixed := roster.DirectoryScope{OrgID: b.org.ID, DirectoryID: a.dir.ID} // a directory claimed by the wrong org

	for _, tn := range []roster.DirectoryScope{b.tenant, sibling, mixed} {
		if _, err := s.GetUser(ctx, tn, u.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
			t.Errorf("%v reads the user: %v", tn, err)
		}
		if _, err := s.UpdateUser(ctx, tn, u.ID, func(*roster.User) error { return nil }); roster.ErrorCodeOf(err) != roster.ENotFound {
			t.Errorf("%v updates the user: %v", tn, err)
		}
		if err := s.DeleteUser(ctx, tn, u.ID, 0); roster.ErrorCodeOf(err) != roster.ENotFound {
			t.Errorf("%v deletes the user: %v", tn, err)
		}
		if _, err := s.GetGroup(ctx, tn, g.ID); roster.ErrorCodeOf(err) != roster.ENotFound {
			t.Errorf("%v reads the group: %v", tn, err)
		}
		if _, err := s.UpdateGroup(ctx, tn, g.ID, func(*roster.Group) ([]roster.MemberOp, error) { return nil, nil }); roster.ErrorCodeOf(err) != roster.ENotFound {
			t.Errorf("%v updates the group: %v", tn, err)
		}
		if err := s.DeleteGroup(ctx, tn, g.ID, 0); roster.ErrorCodeOf(err) != roster.ENotFound {
			t.Errorf("%v deletes the group: %v", tn, err)
		}
		if err := s.ListMembers(ctx, tn, g.ID, func(roster.Member) error { return nil }); roster.ErrorCodeOf(err) != roster.ENotFound {
			t.Errorf("%v lists the members: %v", tn, err)
		}
		users, err := s.ListUsers(ctx, tn, roster.Query{StartIndex: 1, Count: 10})
		must(t, err)
		groups, err := s.ListGroups(ctx, tn, roster.Query{StartIndex: 1, Count: 10})
		must(t, err)
		if users.Total != 0 || len(users.Items) != 0 || groups.Total != 0 {
			t.Errorf("%v lists %d users and %d groups of another tenant", tn, users.Total, groups.Total)
		}
		refs, err := s.ListUserGroups(ctx, tn, []string{u.ID})
		must(t, err)
		if len(refs[u.ID]) != 0 {
			t.Errorf("%v sees the user's groups: %v", tn, refs)
		}
		if tn != mixed {
			// Members must be of the group's own directory.
			own := createGroup(t, s, tn, "Own "+tn.DirectoryID)
			_, err := s.UpdateGroup(ctx, tn, own.ID, func(*roster.Group) ([]roster.MemberOp, error) {
				return []roster.MemberOp{{Kind: roster.AddMembers, IDs: []string{u.ID}}}, nil
			})
			wantCode(t, err, roster.EInvalid)
			wantCode(t, s.CreateGroup(ctx, tn, group(t, "x"), []string{u.ID}), roster.EInvalid)
		}
	}
	wantCode(t, s.CreateUser(ctx, mixed, user(t, `{"userName":"eve@acme.test"}`)), roster.ENotFound)
	if got := members(t, s, a.tenant, g.ID); !slices.Equal(got, []string{u.ID}) {
		t.Errorf("the group lost its member: %v", got)
	}
}

// filterCase is one filter and the userNames it must select.
type filterCase struct {
	filter string
	want   []string
}

func testFilters(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	ann := createUser(t, s, f.tenant, "ann@acme.test", `,"displayName":"Ann Archer","externalId":"E1","title":"Engineer","name":{"givenName":"Ann","familyName":"Archer"},
		"emails":[{"value":"ann@acme.test","type":"work","primary":true},{"value":"ann@home.test","type":"home"}],
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"100","department":"R&D","manager":{"value":"boss"}}`)
	createUser(t, s, f.tenant, "Ben@Acme.test", `,"displayName":"Ben Baker","externalId":"e2","active":false,"name":{"givenName":"Ben","familyName":"Baker"},
		"emails":[{"value":"ben@acme.test","type":"work"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"200"}`)
	createUser(t, s, f.tenant, "cleo@other.test", `,"displayName":"Cléo","title":"Manager","addresses":[{"type":"work","locality":"Paris","country":"FR"}],"emails":[{"value":"cleo@other.test","type":"work"}]`)
	createUser(t, s, f.tenant, "dan_x%@acme.test", `,"nickName":"50% off"`)
	g := createGroup(t, s, f.tenant, "Admins", ann.ID)
	since := ann.Created.Add(-time.Second)

	all := []string{"ann@acme.test", "Ben@Acme.test", "cleo@other.test", "dan_x%@acme.test"}
	cases := []filterCase{
		{`userName eq "ANN@acme.test"`, []string{"ann@acme.test"}},
		{`userName eq "nobody"`, nil},
		{`username ne "ann@acme.test"`, []string{"Ben@Acme.test", "cleo@other.test", "dan_x%@acme.test"}},
		{`userName co "ACME"`, []string{"ann@acme.test", "Ben@Acme.test", "dan_x%@acme.test"}},
		{`userName sw "b"`, []string{"Ben@Acme.test"}},
		{`userName ew "OTHER.TEST"`, []string{"cleo@other.test"}},
		{`userName co "_x%"`, []string{"dan_x%@acme.test"}},
		{`userName co "d_n"`, nil}, // _ is literal, not a wildcard
		{`userName gt "b"`, []string{"Ben@Acme.test", "cleo@other.test", "dan_x%@acme.test"}},
		{`userName ge "ben@acme.test"`, []string{"Ben@Acme.test", "cleo@other.test", "dan_x%@acme.test"}},
		{`userName lt "b"`, []string{"ann@acme.test"}},
		{`userName le "ann@acme.test"`, []string{"ann@acme.test"}},
		{`externalId eq "e1"`, nil}, // externalId is case-exact
		{`externalId eq "E1"`, []string{"ann@acme.test"}},
		{`externalId pr`, []string{"ann@acme.test", "Ben@Acme.test"}},
		{`id eq "` + ann.ID + `"`, []string{"ann@acme.test"}},
		{`active eq true`, []string{"ann@acme.test", "cleo@other.test", "dan_x%@acme.test"}},
		{`active eq "False"`, []string{"Ben@Acme.test"}},
		{`active ne false`, []string{"ann@acme.test", "cleo@other.test", "dan_x%@acme.test"}},
		{`displayName eq "cléo"`, []string{"cleo@other.test"}},
		{`displayName co "CLÉ"`, []string{"cleo@other.test"}},
		{`title pr`, []string{"ann@acme.test", "cleo@other.test"}},
		{`not (title pr)`, []string{"Ben@Acme.test", "dan_x%@acme.test"}},
		{`title ne "Engineer"`, []string{"Ben@Acme.test", "cleo@other.test", "dan_x%@acme.test"}},
		{`title eq null`, []string{"Ben@Acme.test", "dan_x%@acme.test"}},
		{`nickName co "50%"`, []string{"dan_x%@acme.test"}},
		{`name.familyName eq "archer"`, []string{"ann@acme.test"}},
		{`name.givenName sw "B" or name.familyName sw "A"`, []string{"ann@acme.test", "Ben@Acme.test"}},
		{`name pr`, []string{"ann@acme.test", "Ben@Acme.test"}},
		{`emails.value ew "@home.test"`, []string{"ann@acme.test"}},
		{`emails co "ben@"`, []string{"Ben@Acme.test"}},
		{`emails[type eq "work" and value co "@acme"]`, []string{"ann@acme.test", "Ben@Acme.test"}},
		{`emails[type eq "home" and value co "@acme"]`, nil}, // both in one element
		{`emails[primary eq true]`, []string{"ann@acme.test"}},
		{`emails pr`, []string{"ann@acme.test", "Ben@Acme.test", "cleo@other.test"}},
		{`not (emails pr)`, []string{"dan_x%@acme.test"}},
		{`addresses[locality eq "paris"]`, []string{"cleo@other.test"}},
		{`addresses.country eq "FR"`, []string{"cleo@other.test"}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "200"`, []string{"Ben@Acme.test"}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber gt "150"`, []string{"Ben@Acme.test"}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "boss"`, []string{"ann@acme.test"}},
		{`department eq "r&d"`, []string{"ann@acme.test"}},
		{`meta.created gt "` + scim.FormatTime(since) + `"`, all},
		{`meta.lastModified lt "` + scim.FormatTime(since) + `"`, nil},
		{`meta.resourceType eq "User"`, all},
		{`meta.version eq "W/\"2\""`, []string{"ann@acme.test"}}, // joining the group touched ann
		{`groups.value eq "` + g.ID + `"`, []string{"ann@acme.test"}},
		{`groups[display eq "admins"]`, []string{"ann@acme.test"}},
		{`not (groups pr)`, []string{"Ben@Acme.test", "cleo@other.test", "dan_x%@acme.test"}},
		{`(userName sw "a" or userName sw "b") and active eq true`, []string{"ann@acme.test"}},
		{`userName sw "a" or userName sw "b" and active eq true`, []string{"ann@acme.test"}},
		{`not (userName sw "a" or userName sw "b")`, []string{"cleo@other.test", "dan_x%@acme.test"}},
	}
	for _, tc := range cases {
		checkFilter(t, s, f.tenant, scim.UserType, tc)
	}

	createGroup(t, s, f.tenant, "Engineering")
	for _, tc := range []filterCase{
		{`displayName eq "ADMINS"`, []string{"Admins"}},
		{`displayName sw "eng"`, []string{"Engineering"}},
		{`members.value eq "` + ann.ID + `"`, []string{"Admins"}},
		{`members[type eq "User" and display co "archer"]`, []string{"Admins"}},
		{`members pr`, []string{"Admins"}},
		{`not (members pr)`, []string{"Engineering"}},
	} {
		checkFilter(t, s, f.tenant, scim.GroupType, tc)
	}
}

func checkFilter(t *testing.T, s roster.Store, tn roster.DirectoryScope, rt *scim.ResourceType, tc filterCase) {
	t.Helper()
	flt, err := rt.ParseFilter(tc.filter)
	if err != nil {
		t.Errorf("%s: %v", tc.filter, err)
		return
	}
	q := roster.Query{Filter: flt, StartIndex: 1, Count: 100}
	var got []string
	var total int
	if rt == scim.UserType {
		page, err := s.ListUsers(ctx, tn, q)
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			return
		}
		for _, u := range page.Items {
			got = append(got, u.UserName)
		}
		total = page.Total
	} else {
		page, err := s.ListGroups(ctx, tn, q)
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			return
		}
		for _, g := range page.Items {
			got = append(got, g.DisplayName)
		}
		total = page.Total
	}
	slices.Sort(got)
	want := sorted(tc.want...)
	if !slices.Equal(got, want) || total != len(want) {
		t.Errorf("%s\n got %q (total %d)\nwant %q", tc.filter, got, total, want)
	}
}

func testSortAndPage(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	names := []string{"delta", "Alpha", "charlie", "bravo", "echo"}
	for i, n := range names {
		title := ""
		if i%2 == 0 {
			title = fmt.Sprintf(`,"title":"t%d","emails":[{"value":"z%d@x.test"},{"value":"a%d@x.test","primary":true}]`, 5-i, i, i)
		}
		createUser(t, s, f.tenant, n, title)
	}
	list := func(q roster.Query) ([]string, int) {
		t.Helper()
		page, err := s.ListUsers(ctx, f.tenant, q)
		must(t, err)
		var out []string
		for _, u := range page.Items {
			out = append(out, u.UserName)
		}
		return out, page.Total
	}
	sortBy := func(path string) *roster.Attr {
		a, err := scim.UserType.ParseSortBy(path)
		must(t, err)
		return &a
	}
	check := func(label string, got []string, total int, want []string, wantTotal int) {
		t.Helper()
		if !slices.Equal(got, want) || total != wantTotal {
			t.Errorf("%s = %q (total %d), want %q (total %d)", label, got, total, want, wantTotal)
		}
	}
	got, total := list(roster.Query{StartIndex: 1, Count: 10})
	check("creation order", got, total, names, 5)
	got, total = list(roster.Query{StartIndex: 2, Count: 2})
	check("page 2", got, total, names[1:3], 5)
	got, total = list(roster.Query{StartIndex: 5, Count: 2})
	check("last page", got, total, names[4:], 5)
	got, total = list(roster.Query{StartIndex: 9, Count: 2})
	check("past the end", got, total, nil, 5)
	got, total = list(roster.Query{StartIndex: 1, Count: 0})
	check("count 0", got, total, nil, 5)
	got, total = list(roster.Query{SortBy: sortBy("userName"), StartIndex: 1, Count: 10})
	check("by userName", got, total, []string{"Alpha", "bravo", "charlie", "delta", "echo"}, 5)
	got, total = list(roster.Query{SortBy: sortBy("userName"), Descending: true, StartIndex: 2, Count: 2})
	check("by userName descending, page 2", got, total, []string{"delta", "charlie"}, 5)
	got, total = list(roster.Query{SortBy: sortBy("title"), StartIndex: 1, Count: 10})
	check("by title, missing last", got, total, []string{"echo", "charlie", "delta", "Alpha", "bravo"}, 5)
	got, total = list(roster.Query{SortBy: sortBy("title"), Descending: true, StartIndex: 1, Count: 10})
	check("by title descending, missing last", got, total, []string{"delta", "charlie", "echo", "bravo", "Alpha"}, 5)
	got, total = list(roster.Query{SortBy: sortBy("emails"), StartIndex: 1, Count: 10})
	check("by primary email", got, total, []string{"delta", "charlie", "echo", "Alpha", "bravo"}, 5)
	flt, _ := scim.UserType.ParseFilter(`title pr`)
	got, total = list(roster.Query{Filter: flt, SortBy: sortBy("meta.created"), Descending: true, StartIndex: 1, Count: 2})
	check("filtered, by created descending", got, total, []string{"echo", "charlie"}, 3)
}

// testCursorWalk walks a directory with cursors while others create and
// delete users: every user that exists throughout the walk is seen exactly
// once, and a backwards walk sees the same pages.
func testCursorWalk(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	ids := createUsers(t, s, f.tenant, 25, "walk%02d@acme.test")
	deleted := map[string]bool{}
	seen := map[string]int{}
	var pages []*roster.Page[roster.User]
	cursor := &roster.Cursor{Total: true}
	for step := 0; ; step++ {
		page, err := s.ListUsers(ctx, f.tenant, roster.Query{Count: 4, Cursor: cursor})
		must(t, err)
		if step == 0 && page.Total != 25 {
			t.Errorf("first page total = %d, want 25", page.Total)
		}
		if step > 0 && page.Total != -1 {
			t.Errorf("a later page counted again (total %d)", page.Total)
		}
		pages = append(pages, page)
		for _, u := range page.Items {
			seen[u.ID]++
		}
		// Meanwhile: delete a user ahead and one behind, create one.
		if ahead := 4*step + 6; ahead < len(ids) && step%2 == 0 {
			must(t, s.DeleteUser(ctx, f.tenant, ids[ahead], 0))
			deleted[ids[ahead]] = true
		}
		if behind := 4 * step; step%3 == 1 && !deleted[ids[behind]] {
			must(t, s.DeleteUser(ctx, f.tenant, ids[behind], 0))
			deleted[ids[behind]] = true
		}
		createUser(t, s, f.tenant, fmt.Sprintf("new%02d@acme.test", step))
		if !page.HasNext {
			break
		}
		if step > 40 {
			t.Fatal("the walk does not end")
		}
		cursor = &roster.Cursor{After: page.Last}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("user %s seen %d times", id, n)
		}
	}
	for _, id := range ids {
		if !deleted[id] && seen[id] != 1 {
			t.Errorf("user %s existed throughout but was seen %d times", id, seen[id])
		}
	}
	// Now that nobody writes: walking backwards from the end reads the
	// directory in reverse, page by page, and stops at the start.
	all, err := s.ListUsers(ctx, f.tenant, roster.Query{Count: 1000, Cursor: &roster.Cursor{}})
	must(t, err)
	var forward []string
	for _, u := range all.Items {
		forward = append(forward, u.ID)
	}
	var backward []string
	before := all.Last + 1
	for i := 0; ; i++ {
		page, err := s.ListUsers(ctx, f.tenant, roster.Query{Count: 4, Cursor: &roster.Cursor{Before: before}})
		must(t, err)
		var ids []string
		for _, u := range page.Items {
			ids = append(ids, u.ID)
		}
		backward = append(ids, backward...)
		if !page.HasPrev || i > 40 {
			break
		}
		before = page.First
	}
	if !slices.Equal(backward, forward) {
		t.Errorf("backwards walk = %d users, forward = %d; they differ", len(backward), len(forward))
	}
	// A filtered walk pages only the matches.
	flt, _ := scim.UserType.ParseFilter(`userName sw "new"`)
	page, err := s.ListUsers(ctx, f.tenant, roster.Query{Filter: flt, Count: 100, Cursor: &roster.Cursor{Total: true}})
	must(t, err)
	if page.Total != len(page.Items) || page.HasNext || page.HasPrev || len(page.Items) != len(pages) {
		t.Errorf("filtered walk: total %d, %d items, next %v, prev %v; want %d items", page.Total, len(page.Items), page.HasNext, page.HasPrev, len(pages))
	}
}

func testMembership(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	a := createUser(t, s, f.tenant, "a@acme.test", `,"displayName":"Ann"`)
	b := createUser(t, s, f.tenant, "b@acme.test")
	c := createUser(t, s, f.tenant, "c@acme.test")
	g := createGroup(t, s, f.tenant, "Team", a.ID, a.ID)
	if got := members(t, s, f.tenant, g.ID); !slices.Equal(got, []string{a.ID}) {
		t.Fatalf("members = %v, want [a]", got)
	}
	update := func(ops ...roster.MemberOp) (*roster.Group, error) {
		return s.UpdateGroup(ctx, f.tenant, g.ID, func(*roster.Group) ([]roster.MemberOp, error) { return ops, nil })
	}
	must2 := func(_ *roster.Group, err error) {
		t.Helper()
		must(t, err)
	}
	g2, err := update(roster.MemberOp{Kind: roster.AddMembers, IDs: []string{b.ID, a.ID}})
	must(t, err)
	if g2.Version != 2 {
		t.Errorf("version after adding = %d, want 2", g2.Version)
	}
	if got := members(t, s, f.tenant, g.ID); !slices.Equal(got, sorted(a.ID, b.ID)) {
		t.Errorf("after add: %v", got)
	}
	// Adding a present member again changes nothing, not even the version.
	g3, err := update(roster.MemberOp{Kind: roster.AddMembers, IDs: []string{b.ID}})
	must(t, err)
	if g3.Version != 2 {
		t.Errorf("re-adding moved the version to %d", g3.Version)
	}
	_, err = update(roster.MemberOp{Kind: roster.AddMembers, IDs: []string{c.ID, "missing-id"}})
	e := wantCode(t, err, roster.EInvalid)
	if !strings.Contains(e.Detail, "missing-id") {
		t.Errorf("detail %q does not name the missing member", e.Detail)
	}
	if got := members(t, s, f.tenant, g.ID); !slices.Equal(got, sorted(a.ID, b.ID)) {
		t.Errorf("a failed add changed the members: %v", got)
	}
	_, err = update(roster.MemberOp{Kind: roster.AddMembers, IDs: []string{g.ID}})
	wantCode(t, err, roster.EInvalid)

	// Remove, then add, in one update, in order.
	must2(update(roster.MemberOp{Kind: roster.RemoveMembers, IDs: []string{a.ID, "not-a-member"}}, roster.MemberOp{Kind: roster.AddMembers, IDs: []string{c.ID}}))
	if got := members(t, s, f.tenant, g.ID); !slices.Equal(got, sorted(b.ID, c.ID)) {
		t.Errorf("after remove+add: %v", got)
	}
	flt, err := scim.GroupType.ParseFilter(`members[value eq "` + c.ID + `" or display eq "B@ACME.TEST"]`)
	must(t, err)
	must2(update(roster.MemberOp{Kind: roster.RemoveMembersWhere, Filter: flt.(roster.Has).Filter}))
	if got := members(t, s, f.tenant, g.ID); len(got) != 0 {
		t.Errorf("after filtered removal: %v", got)
	}
	must2(update(roster.MemberOp{Kind: roster.AddMembers, IDs: []string{a.ID, b.ID, c.ID}}))
	must2(update(roster.MemberOp{Kind: roster.RemoveAllMembers}, roster.MemberOp{Kind: roster.AddMembers, IDs: []string{a.ID}}))
	if got := members(t, s, f.tenant, g.ID); !slices.Equal(got, []string{a.ID}) {
		t.Errorf("after replace: %v", got)
	}
	// Members carry type and display name.
	must(t, s.ListMembers(ctx, f.tenant, g.ID, func(m roster.Member) error {
		if m.Type != roster.MemberUser || m.Display != "Ann" {
			t.Errorf("member = %+v, want a User displayed as Ann", m)
		}
		return nil
	}))
	refs, err := s.ListUserGroups(ctx, f.tenant, []string{a.ID, b.ID})
	must(t, err)
	if len(refs[a.ID]) != 1 || refs[a.ID][0] != (roster.GroupRef{ID: g.ID, Display: "Team", Direct: true}) || len(refs[b.ID]) != 0 {
		t.Errorf("UserGroups = %+v", refs)
	}
	// Deleting a user removes it from its groups and moves their version.
	before, _ := s.GetGroup(ctx, f.tenant, g.ID)
	must(t, s.DeleteUser(ctx, f.tenant, a.ID, 0))
	after, _ := s.GetGroup(ctx, f.tenant, g.ID)
	if got := members(t, s, f.tenant, g.ID); len(got) != 0 || after.Version <= before.Version {
		t.Errorf("after deleting the member: members %v, version %d -> %d", got, before.Version, after.Version)
	}
	// Deleting a group frees its members' memberships.
	must2(update(roster.MemberOp{Kind: roster.AddMembers, IDs: []string{b.ID}}))
	must(t, s.DeleteGroup(ctx, f.tenant, g.ID, 0))
	refs, _ = s.ListUserGroups(ctx, f.tenant, []string{b.ID})
	if len(refs[b.ID]) != 0 {
		t.Errorf("deleted group still listed: %v", refs)
	}
	wantCode(t, s.ListMembers(ctx, f.tenant, g.ID, func(roster.Member) error { return nil }), roster.ENotFound)
}

func testNestedGroups(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	u := createUser(t, s, f.tenant, "u@acme.test")
	inner := createGroup(t, s, f.tenant, "Inner", u.ID)
	outer := createGroup(t, s, f.tenant, "Outer", inner.ID)
	// A cycle must not hang the query.
	_, err := s.UpdateGroup(ctx, f.tenant, inner.ID, func(*roster.Group) ([]roster.MemberOp, error) {
		return []roster.MemberOp{{Kind: roster.AddMembers, IDs: []string{outer.ID}}}, nil
	})
	must(t, err)
	refs, err := s.ListUserGroups(ctx, f.tenant, []string{u.ID})
	must(t, err)
	want := []roster.GroupRef{{ID: inner.ID, Display: "Inner", Direct: true}, {ID: outer.ID, Display: "Outer", Direct: false}}
	if !slices.Equal(refs[u.ID], want) {
		t.Errorf("UserGroups = %+v, want %+v", refs[u.ID], want)
	}
	var types []string
	must(t, s.ListMembers(ctx, f.tenant, outer.ID, func(m roster.Member) error {
		types = append(types, m.Type+":"+m.Display)
		return nil
	}))
	if !slices.Equal(types, []string{"Group:Inner"}) {
		t.Errorf("outer members = %v", types)
	}
	must(t, s.DeleteGroup(ctx, f.tenant, inner.ID, 0))
	if got := members(t, s, f.tenant, outer.ID); len(got) != 0 {
		t.Errorf("deleted group still a member: %v", got)
	}
}

func testVersions(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	u := createUser(t, s, f.tenant, "v@acme.test")
	g := createGroup(t, s, f.tenant, "G")
	clockStep := func() { time.Sleep(2 * time.Millisecond) }
	clockStep()
	g2, err := s.UpdateGroup(ctx, f.tenant, g.ID, func(*roster.Group) ([]roster.MemberOp, error) {
		return []roster.MemberOp{{Kind: roster.AddMembers, IDs: []string{u.ID}}}, nil
	})
	must(t, err)
	u2, err := s.GetUser(ctx, f.tenant, u.ID)
	must(t, err)
	if g2.Version != 2 || !g2.LastModified.After(g.LastModified) || u2.Version != 2 || !u2.LastModified.After(u.LastModified) {
		t.Errorf("after a member add: group v%d %v, user v%d %v; both should move", g2.Version, g2.LastModified, u2.Version, u2.LastModified)
	}
	renamed, err := s.UpdateGroup(ctx, f.tenant, g.ID, func(g *roster.Group) ([]roster.MemberOp, error) {
		*g = *group(t, "Renamed")
		return nil, nil
	})
	must(t, err)
	got, _ := s.GetGroup(ctx, f.tenant, g.ID)
	if renamed.Version != 3 || got.DisplayName != "Renamed" || got.Version != 3 {
		t.Errorf("rename: %+v / %+v", renamed, got)
	}
	wantCode(t, s.DeleteGroup(ctx, f.tenant, g.ID, 2), roster.EPreconditionFailed)
	must(t, s.DeleteGroup(ctx, f.tenant, g.ID, 3))
}

func testEvents(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	other := newFixture(t, s, "Other")
	actx := roster.WithActor(ctx, "directory:"+f.dir.ID)
	u := user(t, `{"userName":"ev@acme.test"}`)
	must(t, s.CreateUser(actx, f.tenant, u))
	_, err := s.UpdateUser(actx, f.tenant, u.ID, func(u *roster.User) error {
		*u = *user(t, `{"userName":"ev@acme.test","active":false}`)
		return nil
	})
	must(t, err)
	must(t, s.DeleteUser(actx, f.tenant, u.ID, 0))
	events, err := s.ListEvents(ctx, f.org.ID, 0, 100)
	must(t, err)
	var actions []string
	for _, e := range events {
		actions = append(actions, e.Action)
		if e.OrgID != f.org.ID {
			t.Errorf("event of another org: %+v", e)
		}
		if !json.Valid([]byte(e.Detail)) {
			t.Errorf("event detail is not JSON: %q", e.Detail)
		}
	}
	want := []string{"org.created", "directory.created", "token.created", "user.created", "user.deactivated", "user.deleted"}
	if !slices.Equal(actions, want) {
		t.Errorf("events = %v, want %v", actions, want)
	}
	last := events[len(events)-1]
	if last.Actor != "directory:"+f.dir.ID || last.ResourceID != u.ID || last.DirectoryID != f.dir.ID || time.Since(last.Time) > time.Minute {
		t.Errorf("last event = %+v", last)
	}
	rest, _ := s.ListEvents(ctx, f.org.ID, events[3].Seq, 100)
	if len(rest) != 2 {
		t.Errorf("events after seq %d: %d, want 2", events[3].Seq, len(rest))
	}
	otherEvents, _ := s.ListEvents(ctx, other.org.ID, 0, 100)
	if len(otherEvents) != 3 {
		t.Errorf("the other org has %d events, want its own 3", len(otherEvents))
	}
}

func testConcurrentMemberAdds(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	g := createGroup(t, s, f.tenant, "Big")
	const n = 60
	ids := createUsers(t, s, f.tenant, n, "m%d@acme.test")
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			add := []string{ids[i], ids[(i+1)%n]} // overlapping adds
			_, err := s.UpdateGroup(ctx, f.tenant, g.ID, func(*roster.Group) ([]roster.MemberOp, error) {
				return []roster.MemberOp{{Kind: roster.AddMembers, IDs: add}}, nil
			})
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	if got := members(t, s, f.tenant, g.ID); !slices.Equal(got, sorted(ids...)) {
		t.Errorf("%d members after %d concurrent adds, want %d", len(got), n, n)
	}
	// Concurrent removals of half and adds of the rest lose nothing either.
	var wg2 sync.WaitGroup
	for i := 0; i < n; i++ {
		wg2.Add(1)
		go func(i int) {
			defer wg2.Done()
			kind := roster.RemoveMembers
			if i%2 == 0 {
				kind = roster.AddMembers
			}
			_, err := s.UpdateGroup(ctx, f.tenant, g.ID, func(*roster.Group) ([]roster.MemberOp, error) {
				return []roster.MemberOp{{Kind: kind, IDs: []string{ids[i]}}}, nil
			})
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg2.Wait()
	var want []string
	for i := 0; i < n; i += 2 {
		want = append(want, ids[i])
	}
	if got := members(t, s, f.tenant, g.ID); !slices.Equal(got, sorted(want...)) {
		t.Errorf("after concurrent removes: %d members, want %d", len(got), len(want))
	}
}

func testConcurrentSameUserName(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	second := roster.DirectoryScope{OrgID: f.org.ID, DirectoryID: f.addDirectory(t, s, "Okta").ID}
	const n = 20
	var wg sync.WaitGroup
	results := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tn := f.tenant
			if i%2 == 1 {
				tn = second
			}
			name := "same@acme.test"
			if i%3 == 0 {
				name = "SAME@Acme.Test"
			}
			results <- s.CreateUser(ctx, tn, user(t, fmt.Sprintf(`{"userName":%q}`, name)))
		}(i)
	}
	wg.Wait()
	close(results)
	won := 0
	for err := range results {
		switch roster.ErrorCodeOf(err) {
		case "":
			won++
		case roster.EConflict:
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d creates of one userName succeeded, want exactly 1", won)
	}
}

func testConcurrentPatchesOfOneUser(t *testing.T, s roster.Store) {
	f := newFixture(t, s, "Acme")
	u := createUser(t, s, f.tenant, "p@acme.test")
	const n = 30
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := s.UpdateUser(ctx, f.tenant, u.ID, func(u *roster.User) error {
				doc, err := scim.UnmarshalDoc(u.Attributes)
				if err != nil {
					return err
				}
				roles, _ := doc["roles"].([]any)
				doc["roles"] = append(roles, map[string]any{"value": fmt.Sprint(i)})
				scim.UserFromDoc(doc, u)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	got, err := s.GetUser(ctx, f.tenant, u.ID)
	must(t, err)
	doc, _ := scim.UnmarshalDoc(got.Attributes)
	if roles, _ := doc["roles"].([]any); len(roles) != n || got.Version != n+1 {
		t.Errorf("after %d concurrent read-modify-writes: %d roles, version %d; an update was lost", n, len(roles), got.Version)
	}
}
