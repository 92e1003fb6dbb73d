package connectors

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/rosterhq/roster"
)

// The group stage of a pass, for a connector created with --groups. It
// runs after the users (whose links give the members' target IDs) and
// goes through the connector's group items (roster.ConnectorGroupItem), a
// page of groupPageSize at a time:
//
//   - Which groups: the groups granted the product directly. A group
//     nested in a granted group is not pushed by itself; its members are
//     members of the granted group in the target (the flattening below).
//   - Members: every active user with access through the granted group
//     (its direct members and the members of the groups nested in it, the
//     rule of the access check) that the connector has pushed and not
//     revoked. Flattening is what the target can use: applications give
//     rights by group, and few SCIM targets take nested groups.
//   - A new group is looked up by displayName and linked when the target
//     has one (an application's own group of that name becomes Roster's),
//     else created with externalId = Roster's group ID and its members.
//   - A rename is a PATCH of displayName; membership changes are one PATCH
//     per member (add members, or remove members[value eq "id"]), never a
//     replacement of the member list, which would race with the target's
//     own changes and rewrite a large group for one member.
//   - The connector owns the membership of the groups it pushes: members
//     the group should not hold, the application's own accounts
//     included, are removed.
//   - A group that loses its grant, or is deleted in Roster, is deleted
//     from the target (whatever --on-revoke says: that policy is about
//     people's accounts; a group without a grant gives no one anything).
//   - State: the link (target ID, name last pushed) and the members last
//     pushed are stored (Store.SaveConnectorGroup), so that a pass after
//     events compares with them and sends only the difference, reading
//     nothing from the target. A full pass reads each linked group from
//     the target instead (a GET of the group, which SCIM does not page
//     within) and fixes whatever drifted there.
//
// The stage is a read of the store per page of groups and no request to
// the target unless something differs, so it runs in every pass that
// follows users' or groups' events rather than narrowing to the groups
// the events name: a member added to a group nested three levels down
// names that group, not the granted one.

// groupPageSize is how many groups a pass reads at a time: each comes with
// its member lists.
const groupPageSize = 100

// Operations of the group stage beyond those of users (GroupChange.Op
// uses OpCreate, OpLink, OpUpdate and OpDelete too).
const (
	OpAddMember    = "add-member"    // PATCH add members: one member
	OpRemoveMember = "remove-member" // PATCH remove members[value eq "id"]: one member
)

const groupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"

// GroupChange is one thing a pass did (or, in a preview, would do) to one
// group in the target.
type GroupChange struct {
	GroupID     string   `json:"groupId"`
	DisplayName string   `json:"displayName,omitempty"`
	Op          string   `json:"op"` // create, link, update, delete
	TargetID    string   `json:"targetId,omitempty"`
	Attributes  []string `json:"attributes,omitempty"` // displayName, members
	Added       int      `json:"membersAdded,omitempty"`
	Removed     int      `json:"membersRemoved,omitempty"`
	Error       string   `json:"error,omitempty"`
}

func groupPath(id string) string { return "/Groups/" + url.PathEscape(id) }

// groupsStage pages through the group items and brings each in line.
func (p *pass) groupsStage(ctx context.Context) error {
	after := ""
	for {
		items, err := p.svc.Store.ListConnectorGroups(ctx, p.conn.OrgID, p.conn.ID, after, groupPageSize)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			break
		}
		after = items[len(items)-1].GroupID
		p.mu.Lock()
		if p.taken == nil {
			p.taken = map[string]bool{}
		}
		for _, it := range items {
			p.taken[it.GroupID] = true
			if it.Link != nil {
				p.taken[it.Link.TargetID] = true
			}
		}
		p.mu.Unlock()
		sem := make(chan struct{}, p.workers)
		var wg sync.WaitGroup
		for i := range items {
			it := &items[i]
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				p.recordGroup(p.group(ctx, it))
			}()
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := p.flush(ctx); err != nil { // the delivery log
			return err
		}
	}
	sort.SliceStable(p.res.GroupChanges, func(i, j int) bool { return p.res.GroupChanges[i].GroupID < p.res.GroupChanges[j].GroupID })
	return nil
}

// groupTaken reports whether a target group found by displayName is
// another group's of this connector: linked to it, or made for it
// (externalId its Roster ID), as far as the stage has read. Two granted
// groups of one name (from two directories) get a target group each
// instead of sharing one, whose members would flap between them.
func (p *pass) groupTaken(targetID, externalID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.taken[targetID] || externalID != "" && p.taken[externalID]
}

func (p *pass) recordGroup(ch *GroupChange) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.res.Groups++
	switch {
	case ch == nil:
		p.res.GroupsInSync++
		return
	case ch.Error != "":
		p.res.GroupsFailed++
	default:
		p.res.GroupCounts[ch.Op]++
		if p.write {
			p.res.GroupsInSync++
		}
	}
	if len(p.res.GroupChanges) < MaxListed {
		p.res.GroupChanges = append(p.res.GroupChanges, *ch)
	} else {
		p.res.More++
	}
}

// group decides what one group needs and, when writing, does it. nil
// means the target is as it should be.
func (p *pass) group(ctx context.Context, it *roster.ConnectorGroupItem) *GroupChange {
	ch := &GroupChange{GroupID: it.GroupID, DisplayName: it.DisplayName}
	if it.Link != nil {
		ch.TargetID = it.Link.TargetID
		if ch.DisplayName == "" {
			ch.DisplayName = it.Link.DisplayName
		}
	}
	if it.Granted && it.Exists {
		return p.ensureGroup(ctx, it, ch)
	}
	if it.Link == nil {
		return nil
	}
	return p.deleteGroup(ctx, it, ch)
}

func failGroup(ch *GroupChange, what string, a *answer) *GroupChange {
	ch.Error = what + ": " + a.problem()
	return ch
}

// targetGroup is what the target's group holds, as far as the pass knows:
// read from the target, or the state last stored.
type targetGroup struct {
	id      string
	name    string
	members []string // target IDs, sorted
}

// memberValues are the target IDs of a SCIM group's members, sorted.
func memberValues(obj map[string]any) []string {
	var out []string
	ms, _ := obj["members"].([]any)
	for _, m := range ms {
		mm, _ := m.(map[string]any)
		if v, _ := mm["value"].(string); v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func targetIDs(ms []roster.ConnectorMember) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.TargetID)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// minus is the elements of a (sorted) not in b (sorted).
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	return out
}

// readGroup GETs the target's group id: nil with a 404.
func (p *pass) readGroup(ctx context.Context, id string) (*targetGroup, *answer) {
	a := p.c.do(ctx, http.MethodGet, groupPath(id), nil)
	if !a.ok() {
		return nil, a
	}
	name, _ := a.obj["displayName"].(string)
	return &targetGroup{id: id, name: name, members: memberValues(a.obj)}, a
}

// ensureGroup brings a granted group in line: linked (found or created),
// named, with its members.
func (p *pass) ensureGroup(ctx context.Context, it *roster.ConnectorGroupItem, ch *GroupChange) *GroupChange {
	var cur *targetGroup
	if it.Link != nil {
		if p.full {
			g, a := p.readGroup(ctx, it.Link.TargetID)
			switch {
			case a.status == http.StatusNotFound: // deleted in the target: find or create it again
			case g == nil:
				return failGroup(ch, "reading the group", a)
			default:
				cur = g
			}
		} else {
			cur = &targetGroup{id: it.Link.TargetID, name: it.Link.DisplayName, members: targetIDs(it.Pushed)}
		}
	}
	if cur == nil {
		found, a := p.c.findGroup(ctx, it.DisplayName, it.GroupID, p.groupTaken)
		if !a.ok() {
			return failGroup(ch, "looking the group up", a)
		}
		if found == "" {
			return p.createGroup(ctx, it, ch)
		}
		g, b := p.readGroup(ctx, found)
		if g == nil {
			return failGroup(ch, "reading the group found by displayName", b)
		}
		cur, ch.Op, ch.TargetID = g, OpLink, found
	}
	return p.alignGroup(ctx, it, ch, cur)
}

// alignGroup sends what the target's group cur lacks: its name, then one
// PATCH per member to add or remove; it stores what the group then holds.
func (p *pass) alignGroup(ctx context.Context, it *roster.ConnectorGroupItem, ch *GroupChange, cur *targetGroup) *GroupChange {
	want := targetIDs(it.Members)
	add, remove := minus(want, cur.members), minus(cur.members, want)
	rename := cur.name != it.DisplayName
	if rename {
		ch.Attributes = append(ch.Attributes, "displayName")
	}
	if len(add)+len(remove) > 0 {
		ch.Attributes = append(ch.Attributes, "members")
	}
	ch.Added, ch.Removed = len(add), len(remove)
	stored := targetIDs(it.Pushed)
	if ch.Op == "" {
		if len(ch.Attributes) == 0 {
			// In line; a full pass may have found the stored state behind
			// the target (a change made there that happens to be right).
			if p.write && (it.Link.DisplayName != cur.name || !slices.Equal(stored, cur.members)) {
				if err := p.saveGroup(ctx, it, cur.id, cur.name, cur.members); err != nil {
					ch.Op, ch.Error = OpUpdate, "storing the group: "+err.Error()
					return ch
				}
			}
			return nil
		}
		ch.Op = OpUpdate
	}
	if !p.write {
		return ch
	}
	name := cur.name
	if rename {
		a := p.sendAbout(ctx, "", it.GroupID, OpUpdate, http.MethodPatch, groupPath(cur.id),
			patchOps(map[string]any{"displayName": it.DisplayName}, []string{"displayName"}))
		if a.status == http.StatusNotFound {
			return p.groupGone(ctx, it, ch, a)
		}
		if !a.ok() {
			if ch.Op == OpLink {
				p.saveGroup(ctx, it, cur.id, name, cur.members) // linked at least; the rename is retried by the next pass
			}
			return failGroup(ch, "renaming the group", a)
		}
		name = it.DisplayName
	}
	holds := slices.Clone(cur.members)
	var failed *answer
	for _, id := range add {
		body := map[string]any{"schemas": []string{patchSchema}, "Operations": []any{
			map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": id}}}}}
		if a := p.sendAbout(ctx, "", it.GroupID, OpAddMember, http.MethodPatch, groupPath(cur.id), body); a.status == http.StatusNotFound {
			return p.groupGone(ctx, it, ch, a)
		} else if !a.ok() {
			failed = a
			continue
		}
		holds = append(holds, id)
	}
	for _, id := range remove {
		body := map[string]any{"schemas": []string{patchSchema}, "Operations": []any{
			map[string]any{"op": "remove", "path": `members[value eq "` + filterString(id) + `"]`}}}
		if a := p.sendAbout(ctx, "", it.GroupID, OpRemoveMember, http.MethodPatch, groupPath(cur.id), body); a.status == http.StatusNotFound {
			return p.groupGone(ctx, it, ch, a)
		} else if !a.ok() {
			failed = a
			continue
		}
		holds = slices.DeleteFunc(holds, func(s string) bool { return s == id })
	}
	slices.Sort(holds)
	err := p.saveGroup(ctx, it, cur.id, name, holds)
	if failed != nil {
		return failGroup(ch, "changing the group's members", failed)
	}
	if err != nil {
		ch.Error = "storing the group: " + err.Error()
	}
	return ch
}

// groupGone handles a 404 to a PATCH of a linked group: deleted in the
// target since the pass last read it. The link is forgotten, so that the
// next pass (soon: a failure schedules one) finds or makes it again.
func (p *pass) groupGone(ctx context.Context, it *roster.ConnectorGroupItem, ch *GroupChange, a *answer) *GroupChange {
	if err := p.svc.Store.DeleteConnectorGroups(context.WithoutCancel(ctx), p.conn.OrgID, p.conn.ID, []string{it.GroupID}); err != nil {
		ch.Error = "forgetting the group gone from the target: " + err.Error()
		return ch
	}
	return failGroup(ch, "the group is gone from the target (the next pass makes it again)", a)
}

// createGroup POSTs the group with its members. Unlike a user's, a
// group's create is not retried blindly: displayName is unique at few
// targets (Roster's own included), so a retried create whose first answer
// was lost would make the group twice. After an answer worth retrying,
// or a conflict, the group is looked up by displayName first, and aligned
// when the target has it; otherwise created again after the retry's wait.
func (p *pass) createGroup(ctx context.Context, it *roster.ConnectorGroupItem, ch *GroupChange) *GroupChange {
	ch.Op = OpCreate
	want := targetIDs(it.Members)
	ch.Added = len(want)
	if !p.write {
		return ch
	}
	members := make([]any, 0, len(want))
	for _, id := range want {
		members = append(members, map[string]any{"value": id})
	}
	body := map[string]any{"schemas": []string{groupSchema}, "displayName": it.DisplayName, "externalId": it.GroupID, "members": members}
	var a *answer
	for attempt := 0; ; attempt++ {
		var retryAfter time.Duration
		a, retryAfter = p.c.try(ctx, http.MethodPost, "/Groups", body)
		p.logged("", it.GroupID, OpCreate, http.MethodPost, "/Groups", a, http.StatusConflict)
		if a.status != http.StatusConflict && !retryable(a) {
			break
		}
		found, b := p.c.findGroup(ctx, it.DisplayName, it.GroupID, p.groupTaken)
		if found != "" {
			g, b := p.readGroup(ctx, found)
			if g == nil {
				return failGroup(ch, "reading the group found after a failed create", b)
			}
			ch.TargetID = found
			return p.alignGroup(ctx, it, ch, g)
		}
		if a.status == http.StatusConflict || !b.ok() || attempt >= len(p.c.retries) || ctx.Err() != nil {
			break
		}
		wait := p.c.retries[attempt]
		if retryAfter > wait {
			wait = min(retryAfter, MaxRetryWait)
		}
		if p.c.sleep(ctx, wait) != nil {
			break
		}
	}
	if !a.ok() {
		return failGroup(ch, "creating the group", a)
	}
	id, _ := a.obj["id"].(string)
	if id == "" {
		ch.Error = `creating the group: the target answered without an "id"`
		return ch
	}
	ch.TargetID = id
	holds := want
	if _, ok := a.obj["members"]; ok {
		holds = memberValues(a.obj) // what the target took
	}
	if err := p.saveGroup(ctx, it, id, it.DisplayName, holds); err != nil {
		// The next pass finds the group by displayName and links it.
		ch.Error = "storing the group: " + err.Error()
	}
	return ch
}

// deleteGroup deletes a linked group that lost its grant (or is gone from
// Roster) and forgets it.
func (p *pass) deleteGroup(ctx context.Context, it *roster.ConnectorGroupItem, ch *GroupChange) *GroupChange {
	ch.Op = OpDelete
	if !p.write {
		return ch
	}
	if a := p.sendAbout(ctx, "", it.GroupID, OpDelete, http.MethodDelete, groupPath(it.Link.TargetID), nil, http.StatusNotFound); !a.ok() && a.status != http.StatusNotFound {
		return failGroup(ch, "deleting the group", a)
	}
	if err := p.svc.Store.DeleteConnectorGroups(context.WithoutCancel(ctx), p.conn.OrgID, p.conn.ID, []string{it.GroupID}); err != nil {
		ch.Error = "forgetting the group: " + err.Error()
	}
	return ch
}

// saveGroup stores the group's link and the members it now holds, as the
// difference with what was stored. Groups are stored one at a time, not
// per page as user links are: a group's state is many rows, and a group
// whose requests went out must not be compared with stale state by the
// pass after a crash (it would resend them; harmless, but noisy).
func (p *pass) saveGroup(ctx context.Context, it *roster.ConnectorGroupItem, targetID, name string, holds []string) error {
	userOf := map[string]string{}
	for _, m := range it.Pushed {
		userOf[m.TargetID] = m.UserID
	}
	for _, m := range it.Members {
		userOf[m.TargetID] = m.UserID
	}
	stored := targetIDs(it.Pushed) // rows by target ID, whichever group of the target they were in
	var add []roster.ConnectorMember
	for _, id := range minus(holds, stored) {
		add = append(add, roster.ConnectorMember{UserID: userOf[id], TargetID: id})
	}
	link := roster.ConnectorGroupLink{GroupID: it.GroupID, TargetID: targetID, DisplayName: name}
	p.mu.Lock()
	if p.taken != nil {
		p.taken[targetID] = true
	}
	p.mu.Unlock()
	return p.svc.Store.SaveConnectorGroup(context.WithoutCancel(ctx), p.conn.OrgID, p.conn.ID, link, add, minus(stored, holds))
}
