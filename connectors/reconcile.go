package connectors

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"sync"

	"github.com/rosterhq/roster"
)

// Operations a pass makes (Change.Op, and the delivery log's op).
const (
	OpCreate     = "create"     // POST: the target had no such user
	OpLink       = "link"       // the target had the user (same userName): linked, and updated if it differed
	OpUpdate     = "update"     // PATCH (or PUT) of changed attributes
	OpReactivate = "reactivate" // the user regained access: active true again
	OpDeactivate = "deactivate" // the user lost access: active false
	OpDelete     = "delete"     // the user lost access and the connector deletes on revoke
)

// Change is one thing a pass did (or, in a preview, would do) to the
// target for one user.
type Change struct {
	UserID     string   `json:"userId"`
	UserName   string   `json:"userName,omitempty"`
	Op         string   `json:"op"`
	TargetID   string   `json:"targetId,omitempty"`
	Attributes []string `json:"attributes,omitempty"` // what differed
	Error      string   `json:"error,omitempty"`      // why it failed; the next pass tries again
}

// MaxListed is how many changes a Result lists; the rest are counted.
const MaxListed = 1000

// Result is what a pass did or, with Preview, would do.
type Result struct {
	ConnectorID string         `json:"connector"`
	Preview     bool           `json:"preview"` // nothing was written
	Full        bool           `json:"full"`    // the target's copy of every linked user was read and compared
	Partial     bool           `json:"partial"` // only the users some events named were considered
	Considered  int            `json:"considered"`
	InSync      int            `json:"inSync"`
	Failed      int            `json:"failed"`
	Counts      map[string]int `json:"counts"` // changes by op
	Changes     []Change       `json:"changes"`
	More        int            `json:"more"` // changes beyond MaxListed

	// The group stage, with --groups (groups.go): counted apart from the
	// users, whose counts are the connector's health.
	Groups       int            `json:"groups"` // groups considered
	GroupsInSync int            `json:"groupsInSync"`
	GroupsFailed int            `json:"groupsFailed"`
	GroupCounts  map[string]int `json:"groupCounts"`
	GroupChanges []GroupChange  `json:"groupChanges"`
}

// pageSize is how many users a pass reads at a time.
const pageSize = 500

// pass is one reconcile pass of one connector.
type pass struct {
	svc    *Service
	conn   *roster.Connector
	c      *client
	write  bool
	full   bool
	usePut bool
	// enterprise: the target keeps the enterprise User extension, which
	// is then pushed (mapping.go).
	enterprise bool
	workers    int
	// users, when not nil, are the only users the pass considers (a pass
	// after their events); nil: every item.
	users []string
	// skipGroups leaves the group stage out: a pass after events that
	// name neither users nor groups.
	skipGroups bool

	mu sync.Mutex
	// managers are the target IDs of the users that are someone's manager
	// (Roster ID → target ID), for the enterprise extension: read per page
	// (resolveManagers) and kept up to date by setLink.
	managers map[string]string
	// deferred are the users pushed without their manager because it had
	// no link yet; the stage ends by pushing them again (retryDeferred).
	deferred []string
	// taken are the Roster group IDs and target group IDs the group
	// stage has met so far (groupTaken).
	taken   map[string]bool
	res     Result
	log     []roster.ConnectorDelivery
	links   []roster.ConnectorLink // to store at the page's end
	unlinks []string               // users whose links to forget then
}

// page returns the pass's next items: a keyset page after after, or, for
// a pass of named users, those of the next of them that are items (taken
// from rest); none when the pass is done.
func (p *pass) page(ctx context.Context, after string, rest *[]string) ([]roster.ConnectorItem, error) {
	if p.users == nil {
		return p.svc.Store.ListConnectorItems(ctx, p.conn.OrgID, p.conn.ID, after, pageSize)
	}
	for len(*rest) > 0 {
		n := min(len(*rest), pageSize)
		items, err := p.svc.Store.ListConnectorItemsOf(ctx, p.conn.OrgID, p.conn.ID, (*rest)[:n])
		*rest = (*rest)[n:]
		if err != nil || len(items) > 0 {
			return items, err
		}
	}
	return nil, nil
}

// run pages through the connector's items (or those of p.users) and
// brings each in line.
func (p *pass) run(ctx context.Context) (*Result, error) {
	p.res = Result{ConnectorID: p.conn.ID, Preview: !p.write, Full: p.full, Partial: p.users != nil, Counts: map[string]int{}, Changes: []Change{},
		GroupCounts: map[string]int{}, GroupChanges: []GroupChange{}}
	stageGroups := p.conn.Groups && !p.skipGroups
	if p.users != nil && len(p.users) == 0 && !stageGroups {
		return &p.res, nil
	}
	caps := p.capabilities(ctx)
	p.usePut, p.enterprise = !caps.patch, caps.enterprise
	if err := p.usersStage(ctx); err != nil {
		return nil, err
	}
	if stageGroups {
		// After the users: a group's members are the target IDs of the
		// users this pass has just linked.
		if err := p.groupsStage(ctx); err != nil {
			return nil, err
		}
	}
	return &p.res, nil
}

// usersStage pages through the connector's items (or those of p.users)
// and brings each in line.
func (p *pass) usersStage(ctx context.Context) error {
	if p.users != nil && len(p.users) == 0 {
		return nil
	}
	after, rest := "", p.users
	for {
		items, err := p.page(ctx, after, &rest)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			break
		}
		after = items[len(items)-1].UserID
		if err := p.resolveManagers(ctx, items); err != nil {
			return err
		}
		sem := make(chan struct{}, p.workers)
		var wg sync.WaitGroup
		for i := range items {
			it := &items[i]
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				ch := p.item(ctx, it)
				p.record(it, ch)
			}()
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := p.flush(ctx); err != nil {
			return err
		}
	}
	if err := p.retryDeferred(ctx); err != nil {
		return err
	}
	sort.SliceStable(p.res.Changes, func(i, j int) bool { return p.res.Changes[i].UserID < p.res.Changes[j].UserID })
	return nil
}

// doc is the document of an item's user for this pass's target.
func (p *pass) doc(it *roster.ConnectorItem, active bool) map[string]any {
	opt := docOptions{enterprise: p.enterprise}
	if p.enterprise {
		opt.manager = func(id string) string {
			p.mu.Lock()
			defer p.mu.Unlock()
			target := p.managers[id]
			if target == "" && p.write && !slices.Contains(p.deferred, it.UserID) {
				p.deferred = append(p.deferred, it.UserID)
			}
			return target
		}
	}
	return userDoc(it.User, active, opt)
}

// differences are differences, without the enterprise extension for a
// target that does not advertise it (whatever such a target holds there
// is not the connector's).
func (p *pass) differences(want, target map[string]any) []string {
	keys := differences(want, target)
	if !p.enterprise {
		keys = slices.DeleteFunc(keys, func(k string) bool { return k == enterpriseSchema })
	}
	return keys
}

// resolveManagers reads the links of the managers of a page's users that
// the pass does not know yet (one query for the page).
func (p *pass) resolveManagers(ctx context.Context, items []roster.ConnectorItem) error {
	if !p.enterprise {
		return nil
	}
	p.mu.Lock()
	if p.managers == nil {
		p.managers = map[string]string{}
	}
	var ids []string
	for _, it := range items {
		if it.User == nil {
			continue
		}
		var attrs map[string]any
		json.Unmarshal(it.User.Attributes, &attrs)
		if id := managerID(attrs); id != "" {
			if _, known := p.managers[id]; !known && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	p.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	found, err := p.svc.Store.ListConnectorItemsOf(ctx, p.conn.OrgID, p.conn.ID, ids)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		if _, known := p.managers[id]; !known {
			p.managers[id] = "" // known: no link (yet)
		}
	}
	for _, it := range found {
		if it.Link != nil {
			p.managers[it.UserID] = it.Link.TargetID
		}
	}
	return nil
}

// retryDeferred pushes again the users whose manager had no link when
// they were pushed and has one now (made by this pass: a manager later in
// the pass's order than its reports). Each is considered once more, not
// counted twice; a failure now makes it one that failed.
func (p *pass) retryDeferred(ctx context.Context) error {
	p.mu.Lock()
	ids := p.deferred
	p.deferred = nil
	p.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	items, err := p.svc.Store.ListConnectorItemsOf(ctx, p.conn.OrgID, p.conn.ID, ids)
	if err != nil {
		return err
	}
	for i := range items {
		it := &items[i]
		if it.User == nil || !it.Access {
			continue
		}
		var attrs map[string]any
		json.Unmarshal(it.User.Attributes, &attrs)
		p.mu.Lock()
		resolved := p.managers[managerID(attrs)] != ""
		p.mu.Unlock()
		if !resolved {
			continue
		}
		ch := p.item(ctx, it)
		if ch == nil {
			continue
		}
		p.mu.Lock()
		if ch.Error != "" {
			p.res.Failed++
			p.res.InSync--
		} else {
			p.res.Counts[ch.Op]++
		}
		if len(p.res.Changes) < MaxListed {
			p.res.Changes = append(p.res.Changes, *ch)
		} else {
			p.res.More++
		}
		p.mu.Unlock()
	}
	return p.flush(ctx)
}

func (p *pass) record(it *roster.ConnectorItem, ch *Change) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.res.Considered++
	switch {
	case ch == nil:
		p.res.InSync++
		return
	case ch.Error != "":
		p.res.Failed++
	case p.write:
		p.res.InSync++
	}
	if ch.Error == "" {
		p.res.Counts[ch.Op]++
	}
	if len(p.res.Changes) < MaxListed {
		p.res.Changes = append(p.res.Changes, *ch)
	} else {
		p.res.More++
	}
}

// flush writes the page's links and delivery log. Links are written per
// page rather than per request, to spare the database a commit per user;
// a crash before the flush loses no user: the next pass finds each one it
// made by userName and links it.
func (p *pass) flush(ctx context.Context) error {
	p.mu.Lock()
	log, links, unlinks := p.log, p.links, p.unlinks
	p.log, p.links, p.unlinks = nil, nil, nil
	p.mu.Unlock()
	ctx = context.WithoutCancel(ctx)
	if err := p.svc.Store.SetConnectorLinks(ctx, p.conn.OrgID, p.conn.ID, links); err != nil {
		return err
	}
	if err := p.svc.Store.DeleteConnectorLinks(ctx, p.conn.OrgID, p.conn.ID, unlinks); err != nil {
		return err
	}
	return p.svc.Store.AddConnectorDeliveries(ctx, p.conn.OrgID, log)
}

// send makes one write request and logs it; it returns the answer.
// Statuses in expected are logged as no failure (a DELETE's 404: gone
// already; a POST's 409: made already, and looked up next).
func (p *pass) send(ctx context.Context, userID, op, method, path string, body any, expected ...int) *answer {
	return p.sendAbout(ctx, userID, "", op, method, path, body, expected...)
}

// sendAbout is send for a request about a user (userID) or a group
// (groupID).
func (p *pass) sendAbout(ctx context.Context, userID, groupID, op, method, path string, body any, expected ...int) *answer {
	a := p.c.do(ctx, method, path, body)
	p.logged(userID, groupID, op, method, path, a, expected...)
	return a
}

// logged adds the answer a of a request to the delivery log.
func (p *pass) logged(userID, groupID, op, method, path string, a *answer, expected ...int) {
	d := roster.ConnectorDelivery{ConnectorID: p.conn.ID, OrgID: p.conn.OrgID, UserID: userID, GroupID: groupID, Op: op, Method: method, Path: path,
		Status: a.status, Attempts: a.attempts, Error: a.problem(), Latency: a.latency, ResponseExcerpt: p.c.excerpt(a), At: p.svc.now().UTC()}
	if a.err == nil && slices.Contains(expected, a.status) {
		d.Error = ""
	} else if suggestsChange(a) {
		p.svc.caps.forget(p.conn.ID) // the next pass reads them again
	}
	p.mu.Lock()
	p.log = append(p.log, d)
	p.mu.Unlock()
}

func userPath(id string) string { return "/Users/" + url.PathEscape(id) }

// item decides what one user needs and, when writing, does it. nil means
// the target is as it should be.
func (p *pass) item(ctx context.Context, it *roster.ConnectorItem) *Change {
	ch := &Change{UserID: it.UserID}
	if it.User != nil {
		ch.UserName = it.User.UserName
	}
	if it.Link != nil {
		ch.TargetID = it.Link.TargetID
	}
	if it.Access && it.User != nil {
		return p.ensure(ctx, it, ch)
	}
	if it.Link == nil {
		return nil
	}
	return p.revoke(ctx, it, ch)
}

func fail(ch *Change, what string, a *answer) *Change {
	ch.Error = what + ": " + a.problem()
	return ch
}

// ensure brings a user with access in line: linked, present, active,
// with its attributes.
func (p *pass) ensure(ctx context.Context, it *roster.ConnectorItem, ch *Change) *Change {
	want := p.doc(it, true)
	hash := hashDoc(want)
	link := it.Link
	var target map[string]any
	if link != nil && p.full {
		a := p.c.do(ctx, http.MethodGet, userPath(link.TargetID), nil)
		switch {
		case a.status == http.StatusNotFound:
			link = nil // deleted in the target: find or create it again
		case !a.ok():
			return fail(ch, "reading the user", a)
		default:
			target = a.obj
		}
	}
	if link == nil {
		found, a := p.c.findUser(ctx, "userName", it.User.UserName)
		if !a.ok() {
			return fail(ch, "looking the user up", a)
		}
		if found == nil {
			return p.create(ctx, it, ch, want, hash)
		}
		ch.Op, target = OpLink, found
		ch.TargetID, _ = found["id"].(string)
	}
	var keys []string
	switch {
	case target != nil:
		keys = p.differences(want, target)
	case link.Hash != hash:
		keys = p.differences(want, nil)
	}
	if ch.Op == "" {
		if len(keys) == 0 {
			if link.Hash != hash && p.write { // in line already: remember so
				p.setLink(it.UserID, link.TargetID, hash, true)
			}
			return nil
		}
		ch.Op = OpUpdate
		if !link.Active || target != nil && target["active"] == false {
			ch.Op = OpReactivate
		}
	}
	ch.Attributes = keys
	if !p.write {
		return ch
	}
	if len(keys) > 0 {
		if a := p.update(ctx, it.UserID, ch.Op, ch.TargetID, want, target, keys); !a.ok() {
			return fail(ch, "updating the user", a)
		}
	}
	p.setLink(it.UserID, ch.TargetID, hash, true)
	return ch
}

// create POSTs the user; a conflict means it exists already (a retry of a
// create whose answer was lost, or a user made meanwhile), so it is looked
// up by userName, then externalId, and linked.
func (p *pass) create(ctx context.Context, it *roster.ConnectorItem, ch *Change, want map[string]any, hash string) *Change {
	ch.Op, ch.Attributes = OpCreate, nil
	if !p.write {
		return ch
	}
	a := p.send(ctx, it.UserID, OpCreate, http.MethodPost, "/Users", fullDoc(want, nil), http.StatusConflict)
	id := ""
	switch {
	case a.status == http.StatusConflict:
		found, _ := p.c.findUser(ctx, "userName", it.User.UserName)
		if found == nil {
			found, _ = p.c.findUser(ctx, "externalId", it.UserID)
		}
		if found == nil {
			return fail(ch, "creating the user", a)
		}
		id, _ = found["id"].(string)
		if keys := p.differences(want, found); len(keys) > 0 {
			if b := p.update(ctx, it.UserID, OpUpdate, id, want, found, keys); !b.ok() {
				return fail(ch, "updating the user found after a conflict", b)
			}
		}
	case !a.ok():
		return fail(ch, "creating the user", a)
	default:
		id, _ = a.obj["id"].(string)
	}
	if id == "" {
		ch.Error = `creating the user: the target answered without an "id"`
		return ch
	}
	ch.TargetID = id
	p.setLink(it.UserID, id, hash, true)
	return ch
}

// update sends the changed attributes: a PATCH, or a PUT of the whole
// resource to a target without PATCH (read first when not at hand).
func (p *pass) update(ctx context.Context, userID, op, targetID string, want, target map[string]any, keys []string) *answer {
	if !p.usePut {
		return p.send(ctx, userID, op, http.MethodPatch, userPath(targetID), patchOps(want, keys))
	}
	if target == nil {
		a := p.c.do(ctx, http.MethodGet, userPath(targetID), nil)
		if !a.ok() {
			return a
		}
		target = a.obj
	}
	return p.send(ctx, userID, op, http.MethodPut, userPath(targetID), fullDoc(want, target))
}

// revoke handles a linked user without access (deactivated, deleted, or
// out of the granted groups): deactivate or delete per the connector.
func (p *pass) revoke(ctx context.Context, it *roster.ConnectorItem, ch *Change) *Change {
	link := it.Link
	var target map[string]any
	if p.full || p.usePut && p.conn.OnRevoke != roster.RevokeDelete {
		a := p.c.do(ctx, http.MethodGet, userPath(link.TargetID), nil)
		switch {
		case a.status == http.StatusNotFound:
			// Gone from the target: nothing to revoke; forget the link.
			if p.write {
				p.unlink(it.UserID)
			}
			return nil
		case !a.ok():
			ch.Op = OpDeactivate
			return fail(ch, "reading the user", a)
		}
		target = a.obj
	}
	if p.conn.OnRevoke == roster.RevokeDelete {
		ch.Op = OpDelete
		if !p.write {
			return ch
		}
		if a := p.send(ctx, it.UserID, OpDelete, http.MethodDelete, userPath(link.TargetID), nil, http.StatusNotFound); !a.ok() && a.status != http.StatusNotFound {
			return fail(ch, "deleting the user", a)
		}
		p.unlink(it.UserID)
		return ch
	}
	active := link.Active
	if target != nil {
		active = target["active"] != false
	}
	if !active {
		return nil
	}
	ch.Op, ch.Attributes = OpDeactivate, []string{"active"}
	if !p.write {
		return ch
	}
	off := map[string]any{"active": false}
	var a *answer
	if p.usePut {
		want := map[string]any{}
		for _, k := range mappedKeys {
			if v, ok := target[k]; ok {
				want[k] = v
			}
		}
		want["active"] = false
		a = p.send(ctx, it.UserID, OpDeactivate, http.MethodPut, userPath(link.TargetID), fullDoc(want, target))
	} else {
		a = p.send(ctx, it.UserID, OpDeactivate, http.MethodPatch, userPath(link.TargetID), patchOps(off, []string{"active"}))
	}
	if !a.ok() {
		return fail(ch, "deactivating the user", a)
	}
	hash := ""
	if it.User != nil {
		hash = hashDoc(p.doc(it, false))
	}
	p.setLink(it.UserID, link.TargetID, hash, false)
	return ch
}

// setLink records the link of a user, stored when the page ends.
func (p *pass) setLink(userID, targetID, hash string, active bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.links = append(p.links, roster.ConnectorLink{ConnectorID: p.conn.ID, UserID: userID, TargetID: targetID, Hash: hash, Active: active})
	if p.managers != nil {
		p.managers[userID] = targetID
	}
}

// unlink forgets the link of a user when the page ends.
func (p *pass) unlink(userID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.unlinks = append(p.unlinks, userID)
}
