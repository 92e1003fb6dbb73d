package check

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// What Okta does when a step fails (Okta's SCIM guide: a failed push
// becomes a task an admin retries by hand from the Okta dashboard).
const oktaTask = "Okta shows a failed task in Dashboard → Tasks; nothing more happens for it until an admin retries it by hand."

// okta is Okta's sequence: lookups with startIndex/count, POST, GET by
// id, PUT full replace, deactivate with a PATCH that has no path, group
// push, lowercase PATCH ops, members removed by value filter, renames by
// PATCH and PUT.
func (r *runner) okta(ctx context.Context) {
	userName := r.name("user") + "@example.com"
	groupName := r.name("group")

	r.step("Test connector configuration (list users)", true, "Okta's Test Connector Configuration fails and provisioning cannot be enabled.", func(s *Step) *finding {
		x := r.send(ctx, s, http.MethodGet, "/Users?startIndex=1&count=1", nil)
		if f := expect(x, http.StatusOK); f != nil {
			return f
		}
		if total(x.obj) < 0 || !hasSchema(x.obj, listResponse) {
			return problem("the answer is not a SCIM ListResponse (no schemas %s or no totalResults)", listResponse).
				withFix(`answer {"schemas":["` + listResponse + `"],"totalResults":N,"startIndex":1,"itemsPerPage":N,"Resources":[...]} (RFC 7644 §3.4.2)`)
		}
		return nil
	})

	lookup := `/Users?filter=userName eq "` + userName + `"&startIndex=1&count=100`
	r.step("Look up the user before creating it", true, "Okta cannot tell whether the user exists: "+oktaTask, func(s *Step) *finding {
		f := lookupEmpty(r.send(ctx, s, http.MethodGet, lookup, nil))
		if f != nil && strings.Contains(f.problem, "not empty") {
			f.withConsequence("Okta takes the first user of the list as the existing account and links its user to someone else's account instead of creating one.")
		}
		return f
	})

	var uid string
	user := map[string]any{
		"schemas":     []string{userSchema},
		"userName":    userName,
		"name":        map[string]any{"givenName": "Roster", "familyName": "Check"},
		"emails":      []any{map[string]any{"primary": true, "value": userName, "type": "work"}},
		"displayName": "Roster Check",
		"locale":      "en-US",
		"externalId":  r.name("ext"),
		"groups":      []any{},
		"active":      true,
	}
	r.step("Create user", true, oktaTask+" The user is not provisioned.", func(s *Step) *finding {
		var f *finding
		uid, f = r.create(ctx, s, "Users", userName, user)
		return f
	})
	needUser := func(name string) bool { return r.needs(name, made{"user", uid, "Create user"}) }

	if needUser("Look up the user by userName") {
		r.step("Look up the user by userName", true, "Okta does not find the user it created and tries to create it again; with a filter that matches others, it updates the wrong account. "+oktaTask, func(s *Step) *finding {
			return lookupOne(r.send(ctx, s, http.MethodGet, lookup, nil), uid)
		})
	}

	var current map[string]any
	if needUser("Get the user by id") {
		r.step("Get the user by id", true, "Okta cannot read the user back before updating it: "+oktaTask, func(s *Step) *finding {
			u, f := r.fetch(ctx, s, "Users", uid, "")
			if f == nil && str(u, "id") != uid {
				f = problem("the answer is for id %q, not %q", str(u, "id"), uid).withFix("answer GET /Users/{id} with that resource")
			}
			current = u
			return f
		})
	}

	if needUser("Update the profile (PUT full replace)") {
		r.step("Update the profile (PUT full replace)", true, "The profile push fails: "+oktaTask+" The profile in the application goes stale.", func(s *Step) *finding {
			body := map[string]any{}
			for k, v := range user {
				body[k] = v
			}
			// Okta sends the whole user, with the id and what it read back.
			body["id"] = uid
			if m := get(current, "meta"); m != nil {
				body["meta"] = m
			}
			body["name"] = map[string]any{"givenName": "Replaced", "familyName": "Check"}
			body["displayName"] = "Roster Replaced"
			x := r.send(ctx, s, http.MethodPut, "/Users/"+url.PathEscape(uid), body)
			if f := expect(x, http.StatusOK); f != nil {
				if strings.Contains(f.problem, "400") {
					f.withFix(`accept a PUT that carries the whole resource, including "id", "schemas" and "meta" (read-only attributes that match are not an error)`)
				}
				return f
			}
			u, f := r.fetch(ctx, s, "Users", uid, "")
			if f != nil {
				return f
			}
			if got := str(u, "name", "givenName"); got != "Replaced" {
				return problem("the PUT succeeded but name.givenName is %q, not \"Replaced\"", got).withFix("replace the resource with the PUT's body").
					withConsequence("Okta believes the profile was pushed; the application keeps the old one.")
			}
			return nil
		})
	}

	if needUser("Deactivate the user (PATCH active false)") {
		r.step("Deactivate the user (PATCH active false)", true, "The deactivation fails: "+oktaTask+" Until then the user keeps access to the application.", func(s *Step) *finding {
			if f := r.patch(ctx, s, "Users", uid, op("replace", "", map[string]any{"active": false})); f != nil {
				if strings.Contains(f.problem, "400") {
					f.withFix(`accept a replace without "path" whose value is an object of attributes ({"active": false}), as RFC 7644 §3.5.2.3 allows`)
				}
				return f
			}
			u, f := r.fetch(ctx, s, "Users", uid, "")
			if f != nil {
				return f
			}
			if get(u, "active") != false {
				return problem("the PATCH succeeded but active is %v, not false", get(u, "active")).withFix("apply the attributes of a replace without path").
					withConsequence("Okta believes the user is deactivated; the application still lets them in.")
			}
			return nil
		})
	}

	var gid string
	r.step("Push a group (POST)", true, "The group push fails: "+oktaTask, func(s *Step) *finding {
		var f *finding
		gid, f = r.create(ctx, s, "Groups", groupName, map[string]any{"schemas": []string{groupSchema}, "displayName": groupName, "members": []any{}})
		return f
	})
	needGroup := func(name string, user bool) bool {
		deps := []made{{"group", gid, "Push a group"}}
		if user {
			deps = append(deps, made{"user", uid, "Create user"})
		}
		return r.needs(name, deps...)
	}

	if needGroup("Add a member (PATCH add members)", true) {
		r.step("Add a member (PATCH add members)", true, "The membership push fails: "+oktaTask, func(s *Step) *finding {
			if f := r.patch(ctx, s, "Groups", gid, op("add", "members", []any{map[string]any{"value": uid, "display": userName}})); f != nil {
				return f
			}
			return r.memberCheck(ctx, s, gid, uid, true)
		})
	}

	if needGroup("Rename the group (PATCH replace)", false) {
		r.step("Rename the group (PATCH replace)", true, "The group push fails: "+oktaTask+" The group keeps its old name in the application.", func(s *Step) *finding {
			name := groupName + "-patched"
			if f := r.patch(ctx, s, "Groups", gid, op("replace", "", map[string]any{"id": gid, "displayName": name})); f != nil {
				if strings.Contains(f.problem, "400") {
					f.withFix(`accept a replace without path whose value carries "id" (unchanged) and "displayName"`)
				}
				return f
			}
			return r.nameCheck(ctx, s, gid, name)
		})
	}

	if needGroup("Rename the group (PUT)", true) {
		r.step("Rename the group (PUT)", true, "The group push fails: "+oktaTask+" The group keeps its old name in the application.", func(s *Step) *finding {
			name := groupName + "-put"
			x := r.send(ctx, s, http.MethodPut, "/Groups/"+url.PathEscape(gid), map[string]any{
				"schemas": []string{groupSchema}, "id": gid, "displayName": name,
				"members": []any{map[string]any{"value": uid, "display": userName}},
			})
			if f := expect(x, http.StatusOK, http.StatusNoContent); f != nil {
				return f
			}
			if f := r.nameCheck(ctx, s, gid, name); f != nil {
				return f
			}
			return r.memberCheck(ctx, s, gid, uid, true)
		})
	}

	if needGroup(`Remove the member (PATCH remove members[value eq "id"])`, true) {
		r.step(`Remove the member (PATCH remove members[value eq "id"])`, true, "The membership push fails: "+oktaTask+" The user keeps what the group gives in the application.", func(s *Step) *finding {
			if f := r.patch(ctx, s, "Groups", gid, op("remove", `members[value eq "`+uid+`"]`, nil)); f != nil {
				if strings.Contains(f.problem, "400") {
					f.withFix(`accept remove with a value-filter path: members[value eq "<id>"] (RFC 7644 §3.5.2.2)`)
				}
				return f
			}
			return r.memberCheck(ctx, s, gid, uid, false)
		})
	}

	if needGroup("Delete the group", false) {
		r.step("Delete the group", true, "Okta's unlink-and-delete of a pushed group fails: "+oktaTask, func(s *Step) *finding {
			return r.remove(ctx, s, "Groups", gid)
		})
	}
	// Okta does not delete users (it deactivates them); the cleanup does.
}

// nameCheck reads a group and checks its displayName.
func (r *runner) nameCheck(ctx context.Context, s *Step, gid, name string) *finding {
	g, f := r.fetch(ctx, s, "Groups", gid, "?excludedAttributes=members")
	if f != nil {
		return f
	}
	if got := str(g, "displayName"); got != name {
		return problem("the rename succeeded but displayName is %q, not %q", got, name).withFix("apply the new displayName").
			withConsequence("The identity provider believes the group was renamed; the application shows the old name.")
	}
	return nil
}
