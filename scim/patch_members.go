// PATCH operations on group members, which are kept as rows, not in the
// document: each operation becomes a roster.MemberOp that adds or removes
// the members it names, so that a change never reads or rewrites the rest
// of the list.

package scim

import "github.com/rosterhq/roster"

// memberOp turns an operation on a row-kept attribute into MemberOps.
func (p *patcher) memberOp(op string, pp patchPath, value any) error {
	a := pp.t.attr
	if a.Mutability == ReadOnly {
		return roster.Invalidf(roster.ScimMutability, "%s is read-only: it is derived from group membership", pp.t)
	}
	if pp.t.sub != nil {
		return roster.Invalidf(roster.ScimMutability, "the sub-attributes of %s cannot be changed; add or remove members instead", a.Name)
	}
	if pp.filter != nil {
		if op != "remove" {
			return roster.Invalidf(roster.ScimInvalidPath, "%s[...] can only be removed; to add members use path %q with a value array", a.Name, a.Name)
		}
		if ids, ok := valueEqualities(pp.filter); ok {
			return p.addMemberOp(roster.MemberOp{Kind: roster.RemoveMembers, IDs: ids})
		}
		return p.addMemberOp(roster.MemberOp{Kind: roster.RemoveMembersWhere, Filter: pp.filter})
	}
	if op == "remove" && value == nil || op == "replace" {
		if err := p.addMemberOp(roster.MemberOp{Kind: roster.RemoveAllMembers}); err != nil {
			return err
		}
		if op == "remove" {
			return nil
		}
	}
	ids, err := memberIDs(a, value)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	kind := roster.AddMembers
	if op == "remove" {
		kind = roster.RemoveMembers
	}
	return p.addMemberOp(roster.MemberOp{Kind: kind, IDs: ids})
}

func (p *patcher) addMemberOp(op roster.MemberOp) error {
	if p.nMembers += len(op.IDs); p.nMembers > MaxPatchMembers {
		return roster.Invalidf(roster.ScimTooMany, "the PATCH changes more than %d members; send them in batches", MaxPatchMembers)
	}
	p.members = append(p.members, op)
	return nil
}

// valueEqualities returns the IDs of a filter of the form value eq "a" or
// value eq "b" ..., the way identity providers remove members.
func valueEqualities(f roster.Filter) ([]string, bool) {
	switch f := f.(type) {
	case roster.Compare:
		s, ok := f.Value.(string)
		return []string{s}, ok && f.Op == roster.Eq && f.Attr.Sub == "value"
	case roster.Or:
		l, ok := valueEqualities(f.Left)
		if !ok {
			return nil, false
		}
		r, ok := valueEqualities(f.Right)
		return append(l, r...), ok
	}
	return nil, false
}
