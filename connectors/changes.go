package connectors

import (
	"context"
	"strings"

	"github.com/rosterhq/roster"
)

// What the worker learns from the events after a connector's cursor: a
// change of single users (an access.granted or revoked, a user updated,
// deactivated or deleted) is pushed by a pass of those users alone, which
// reads their rows and nothing else; an event that may touch users it does
// not name (a directory deleted, a link, anything not known here), more
// changed users than maxChanged, or a cursor past the events' retention
// makes the pass go through every item instead, as it did before. Either
// pass compares each user with the hash of what was last pushed, so
// reading a user twice, or one whose change this connector's product does
// not see, sends nothing. The periodic full pass still reads the target,
// for drift.

// maxChanged is the most users an event-driven pass takes one by one;
// with more (a grant to a large group), it goes through every item: one
// keyset scan costs less than that many lookups.
const maxChanged = 2000

// changeBatch is how many events one read of the feed returns.
const changeBatch = 1000

// ignoredEvents are the actions that change nothing a connector pushes:
// administration, and the per-product announcements that come with an
// access.granted or access.revoked per user (which do name the users).
// product.granted and product.revoked are not among them: a grant moves
// which groups a connector with --groups pushes even when no user's
// access moves (an empty group, or one whose members have access through
// another).
var ignoredEvents = []string{
	"admin.", "admin_token.", "token.", "webhook.", "connector.", "domain.", "org.",
	"product.created", "product.renamed", "product.default_group",
	"directory.created", "directory.renamed", "directory.updated", "directory.deletion_policy_changed", roster.EventTokenExpiring,
}

// eventScope is what one event asks of a connector's pass.
type eventScope int

const (
	scopeNone  eventScope = iota // nothing it pushes changed
	scopeUser                    // the user the event is about
	scopeGroup                   // the group the event is about (pushed with --groups)
	scopeAll                     // anything: go through every item
)

// scopeOf classifies an event.
func scopeOf(e *roster.Event) eventScope {
	for _, p := range ignoredEvents {
		if strings.HasPrefix(e.Action, p) {
			return scopeNone
		}
	}
	switch {
	case e.ResourceID == "":
		return scopeAll
	case e.ResourceType == "User" && (strings.HasPrefix(e.Action, "user.") || strings.HasPrefix(e.Action, "access.")):
		return scopeUser
	case e.ResourceType == "Group" && e.Action != "group.linked" && strings.HasPrefix(e.Action, "group."):
		// A member's access comes with an access event of its own; the
		// group itself matters to a connector that pushes groups.
		return scopeGroup
	case e.Action == "product.granted" || e.Action == "product.revoked":
		// The users whose access moved have events of their own; the
		// granted group is the group stage's (which goes through every
		// group of the connector, so the product's key stands for it).
		return scopeGroup
	}
	return scopeAll
}

// changes are the users and groups the events after a cursor name.
type changes struct {
	users  []string
	groups []string
	next   int64 // the cursor past them
	// all is true when the events cannot be narrowed to the resources
	// they name (see scopeOf, maxChanged): the pass goes through every
	// item.
	all bool
}

// readChanges reads the organization's events after cursor, up to the
// feed's safe horizon.
func (s *Service) readChanges(ctx context.Context, orgID string, cursor int64) (*changes, error) {
	out := &changes{next: cursor}
	seenU, seenG := map[string]bool{}, map[string]bool{}
	for {
		page, err := s.Store.ListFeedEvents(ctx, orgID, out.next, func(string) bool { return true }, changeBatch)
		if roster.ReasonOf(err) == roster.ReasonCursorExpired {
			out.all = true
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		for i := range page.Events {
			e := &page.Events[i]
			switch scopeOf(e) {
			case scopeUser:
				if !seenU[e.ResourceID] {
					seenU[e.ResourceID] = true
					out.users = append(out.users, e.ResourceID)
				}
			case scopeGroup:
				if !seenG[e.ResourceID] {
					seenG[e.ResourceID] = true
					out.groups = append(out.groups, e.ResourceID)
				}
			case scopeAll:
				out.all = true
			}
		}
		out.next = page.Next
		if out.all || len(out.users)+len(out.groups) > maxChanged {
			out.all = true
			return out, nil
		}
		if len(page.Events) < changeBatch {
			return out, nil
		}
	}
}
