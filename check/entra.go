package check

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// What Entra does when a step fails (Microsoft's provisioning documentation:
// failed operations are retried in later cycles, and a job that keeps
// failing goes into quarantine, where it runs rarely until fixed).
const (
	entraRetry      = "Entra logs the operation as failed in the provisioning logs and retries it in the next cycles (about every 40 minutes); if failures go on, it puts the provisioning job in quarantine and provisions nothing more until it is fixed."
	entraUserFailed = "Entra marks the user as failed and retries later; " + entraRetryShort
	entraRetryShort = "repeated failures put the provisioning job in quarantine."
)

// entra is Microsoft Entra ID's sequence, in its dialect: capitalised
// PATCH ops, booleans as strings, value-filter paths, members removed
// with a value array.
func (r *runner) entra(ctx context.Context) {
	userName := r.name("user") + "@example.com"
	groupName := r.name("group")

	r.step("Test connection", true, "Entra's Test connection fails and the provisioning settings cannot be saved.", func(s *Step) *finding {
		x := r.send(ctx, s, http.MethodGet, `/Users?filter=userName eq "`+uuid.NewString()+`"`, nil)
		f := lookupEmpty(x)
		if f != nil && x.err == nil && x.status == http.StatusNotFound {
			f.withFix("the Tenant URL is wrong: " + r.base + "/Users must be the Users endpoint; use the SCIM base URL (the part before /Users)")
		}
		return f
	})

	r.step("Look up the user before creating it", true, entraUserFailed, func(s *Step) *finding {
		return lookupEmpty(r.send(ctx, s, http.MethodGet, `/Users?filter=userName eq "`+userName+`"`, nil))
	})

	var uid string
	r.step("Create user", true, entraUserFailed+" Nothing after it can happen for this user.", func(s *Step) *finding {
		var f *finding
		uid, f = r.create(ctx, s, "Users", userName, map[string]any{
			"schemas":      []string{userSchema, enterpriseUser},
			"externalId":   r.name("ext"),
			"userName":     userName,
			"active":       true,
			"displayName":  "Roster Check",
			"emails":       []any{map[string]any{"primary": true, "type": "work", "value": userName}},
			"name":         map[string]any{"givenName": "Roster", "familyName": "Check", "formatted": "Roster Check"},
			"title":        "Tester",
			enterpriseUser: map[string]any{"employeeNumber": "1", "department": "Checks"},
		})
		return f
	})
	needUser := func(name string) bool { return r.needs(name, made{"user", uid, "Create user"}) }

	if needUser("Look up the user by userName") {
		r.step("Look up the user by userName", true, "Entra does not find the user it created: it tries to create it again, gets a conflict, and the user stays failed; with a filter that matches others, it updates or disables the wrong user.", func(s *Step) *finding {
			return lookupOne(r.send(ctx, s, http.MethodGet, `/Users?filter=userName eq "`+userName+`"`, nil), uid)
		})
	}

	if needUser("Update the user (Entra's PATCH)") {
		newMail := r.name("new") + "@example.com"
		r.step("Update the user (Entra's PATCH)", true, entraRetry+" The user's attributes in the application go stale.", func(s *Step) *finding {
			f := r.patch(ctx, s, "Users", uid,
				op("Replace", `emails[type eq "work"].value`, newMail),
				op("Replace", "name.givenName", "Changed"),
				op("Add", enterpriseUser+":manager", "roster-check-manager"),
				op("Replace", "displayName", "Roster Changed"))
			if f != nil {
				if strings.Contains(strings.ToLower(f.problem), "400") {
					f.withFix(`accept Entra's PATCH dialect: "op" in any case ("Replace", "Add"; RFC 7644 §3.5.2 compares it case-insensitively), value-filter paths such as emails[type eq "work"].value, sub-attribute paths such as name.givenName, and the enterprise manager set to a plain string`)
				}
				return f
			}
			u, f := r.fetch(ctx, s, "Users", uid, "")
			if f != nil {
				return f
			}
			if got := workEmail(u); !strings.EqualFold(got, newMail) {
				return problem("the PATCH succeeded but the work email is %q, not %q", got, newMail).
					withFix(`apply Replace on emails[type eq "work"].value to the work email`).
					withConsequence("Entra believes the change was made and does not send it again: the application keeps the old value.")
			}
			if got := str(u, "name", "givenName"); got != "Changed" {
				return problem("the PATCH succeeded but name.givenName is %q, not \"Changed\"", got).
					withFix("apply Replace on name.givenName to the sub-attribute").
					withConsequence("Entra believes the change was made and does not send it again: the application keeps the old value.")
			}
			return nil
		})
	}

	if needUser(`Disable the user (PATCH active "False")`) {
		r.step(`Disable the user (PATCH active "False")`, true, "Entra logs the disable as failed and retries it: the user keeps access to the application after being disabled or unassigned in Entra. "+entraRetryShort, func(s *Step) *finding {
			if f := r.patch(ctx, s, "Users", uid, op("Replace", "active", "False")); f != nil {
				if strings.Contains(f.problem, "400") {
					f.withFix(`accept booleans sent as strings: Entra sends "value": "False" for active`)
				}
				return f
			}
			u, f := r.fetch(ctx, s, "Users", uid, "")
			if f != nil {
				return f
			}
			if get(u, "active") != false {
				return problem("the PATCH succeeded but active is %v, not false", get(u, "active")).
					withFix(`treat "False" (any case) as false`).
					withConsequence("Entra believes the user is disabled; the application still lets them in.")
			}
			return nil
		})
	}

	groupQuery := `/Groups?filter=displayName eq "` + groupName + `"&excludedAttributes=members`
	r.step("Look up the group before creating it", true, "Entra marks the group as failed and retries later; "+entraRetryShort, func(s *Step) *finding {
		return lookupEmpty(r.send(ctx, s, http.MethodGet, groupQuery, nil))
	})

	var gid string
	r.step("Create group", true, "Entra marks the group as failed and retries later; its members are not provisioned. "+entraRetryShort, func(s *Step) *finding {
		var f *finding
		gid, f = r.create(ctx, s, "Groups", groupName, map[string]any{
			"schemas": []string{groupSchema}, "externalId": r.name("gext"), "displayName": groupName, "members": []any{},
		})
		return f
	})
	needGroup := func(name string, user bool) bool {
		deps := []made{{"group", gid, "Create group"}}
		if user {
			deps = append(deps, made{"user", uid, "Create user"})
		}
		return r.needs(name, deps...)
	}

	if needGroup("Add a member (PATCH Add members)", true) {
		r.step("Add a member (PATCH Add members)", true, "Entra logs the membership as failed and retries it: the user does not get what the group gives in the application. "+entraRetryShort, func(s *Step) *finding {
			if f := r.patch(ctx, s, "Groups", gid, op("Add", "members", []any{map[string]any{"value": uid}})); f != nil {
				return f
			}
			return r.memberCheck(ctx, s, gid, uid, true)
		})
	}

	if needGroup("Look up the group (excludedAttributes=members)", false) {
		r.step("Look up the group (excludedAttributes=members)", true, "Entra does not find the group it created: it tries to create it again and the group stays failed.", func(s *Step) *finding {
			x := r.send(ctx, s, http.MethodGet, groupQuery, nil)
			if f := lookupOne(x, gid); f != nil {
				return f
			}
			if res := list(x.obj, "Resources"); get(res[0], "members") != nil {
				return problem("the group comes with its members although excludedAttributes=members asked for none").
					withFix("leave members out when excludedAttributes names them (RFC 7644 §3.4.2.5)").
					withConsequence("Entra copes, but with large groups the answer is slow and big enough for Entra's requests to time out.").asWarning()
			}
			return nil
		})
	}

	if needGroup("Remove the member (PATCH Remove members with a value array)", true) {
		r.step("Remove the member (PATCH Remove members with a value array)", true, "Entra logs the removal as failed and retries it: the user keeps what the group gives in the application. "+entraRetryShort, func(s *Step) *finding {
			if f := r.patch(ctx, s, "Groups", gid, op("Remove", "members", []any{map[string]any{"value": uid}})); f != nil {
				if strings.Contains(f.problem, "400") {
					f.withFix(`accept Remove on path "members" with a "value" array of the members to remove (Entra's form), besides members[value eq "..."]`)
				}
				return f
			}
			return r.memberCheck(ctx, s, gid, uid, false)
		})
	}

	if needGroup("Rename the group (PATCH Replace displayName)", false) {
		newName := groupName + "-renamed"
		r.step("Rename the group (PATCH Replace displayName)", true, "Entra logs the rename as failed and retries it; the group keeps its old name in the application.", func(s *Step) *finding {
			if f := r.patch(ctx, s, "Groups", gid, op("Replace", "displayName", newName)); f != nil {
				return f
			}
			g, f := r.fetch(ctx, s, "Groups", gid, "?excludedAttributes=members")
			if f != nil {
				return f
			}
			if got := str(g, "displayName"); got != newName {
				return problem("the PATCH succeeded but displayName is %q, not %q", got, newName).withFix("apply Replace on displayName").
					withConsequence("Entra believes the group was renamed; the application shows the old name.")
			}
			return nil
		})
	}

	if needUser("Delete the user") {
		r.step("Delete the user", true, "Entra logs the delete as failed and retries it: the account stays in the application after being deleted in Entra. "+entraRetryShort, func(s *Step) *finding {
			return r.remove(ctx, s, "Users", uid)
		})
	}
	if needGroup("Delete the group", false) {
		r.step("Delete the group", true, "Entra logs the delete as failed and retries it: the group stays in the application.", func(s *Step) *finding {
			return r.remove(ctx, s, "Groups", gid)
		})
	}
}

// memberCheck reads a group's members and checks whether uid is one.
func (r *runner) memberCheck(ctx context.Context, s *Step, gid, uid string, want bool) *finding {
	g, f := r.fetch(ctx, s, "Groups", gid, "")
	if f != nil {
		return f
	}
	if hasMember(g, uid) != want {
		verb := map[bool]string{true: "is not a member", false: "is still a member"}[want]
		return problem("the PATCH succeeded but the user %s of the group", verb).
			withFix(fmt.Sprintf("apply the PATCH to the group's members (user %s)", uid)).
			withConsequence("The identity provider believes the membership changed and does not send it again: access in the application is wrong until someone notices.")
	}
	return nil
}
