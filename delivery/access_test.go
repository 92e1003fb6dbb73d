package delivery_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/webhooks"
)

// TestDeliversAccessEvents: a webhook on access.* receives, signed,
// access.granted through a nested group, and access.revoked on a
// deactivation and on a removal from the granting group, each naming the
// user, the product and the cause.
func TestDeliversAccessEvents(t *testing.T) {
	backends(t, func(t *testing.T, s, _ roster.Store) {
		r := newReceiver(t, func(int32) int { return 200 })
		x := newSetup(t, s, newReceiver(t, func(int32) int { return 200 }).URL) // its user.* webhook goes elsewhere
		svc := &webhooks.Service{Store: s, Keys: x.keys, AllowPrivate: true}
		_, secret, err := svc.Create(ctx, webhooks.CreateRequest{OrgID: x.org.ID, URL: r.URL, Events: []string{"access.*"}})
		if err != nil {
			t.Fatal(err)
		}
		startWorker(t, s, x.keys, 0)

		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.CreateProduct(ctx, &roster.Product{OrgID: x.org.ID, Key: "jira", Name: "Jira"}))
		ann := createUser(t, s, x.tenant, "ann@acme.test")
		ben := createUser(t, s, x.tenant, "ben@acme.test")
		dan := createUser(t, s, x.tenant, "dan@acme.test")
		eng := &roster.Group{DisplayName: "Eng", Attributes: []byte(`{"displayName":"Eng"}`)}
		must(s.CreateGroup(ctx, x.tenant, eng, []string{ann.ID, ben.ID}))
		platform := &roster.Group{DisplayName: "Platform", Attributes: []byte(`{"displayName":"Platform"}`)}
		must(s.CreateGroup(ctx, x.tenant, platform, []string{dan.ID}))
		must(s.GrantAccess(ctx, &roster.Grant{OrgID: x.org.ID, Product: "jira", GroupID: eng.ID, Role: roster.RoleUser}))
		patch := func(op roster.MemberOp) {
			_, err := s.UpdateGroup(ctx, x.tenant, eng.ID, func(*roster.Group) ([]roster.MemberOp, error) { return []roster.MemberOp{op}, nil })
			must(err)
		}
		patch(roster.MemberOp{Kind: roster.AddMembers, IDs: []string{platform.ID}})
		_, err = s.UpdateUser(ctx, x.tenant, ann.ID, func(u *roster.User) error {
			u.Active, u.Attributes = false, []byte(`{"userName":"ann@acme.test","active":false}`)
			return nil
		})
		must(err)
		patch(roster.MemberOp{Kind: roster.RemoveMembers, IDs: []string{ben.ID}})

		want := []string{
			"access.granted ann@acme.test jira grant", "access.granted ben@acme.test jira grant",
			"access.granted dan@acme.test jira nesting",
			"access.revoked ann@acme.test jira deactivation", "access.revoked ben@acme.test jira membership",
		}
		waitFor(t, "the access events", func() bool { return len(r.delivered()) >= len(want) })
		var got []string
		for _, d := range r.delivered() {
			var body struct {
				Type string
				Data struct {
					Detail struct {
						User    struct{ UserName string }
						Product struct{ Key string }
						Cause   string
					}
				}
			}
			must(json.Unmarshal(d.body, &body))
			got = append(got, body.Type+" "+body.Data.Detail.User.UserName+" "+body.Data.Detail.Product.Key+" "+body.Data.Detail.Cause)
			if !webhooks.Verify(secret, d.id, d.ts, d.body, d.sig) {
				t.Errorf("the signature of %s does not verify", d.body)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("delivered\n%q\nwant\n%q", got, want)
		}
	})
}
