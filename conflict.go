package roster

// Conflict is a group an identity provider pushed under the name of an
// existing local group. Both exist side by side until an admin links them:
// then the synced group takes over the local group's access and the local
// group goes.
type Conflict struct {
	Synced      Group
	DirectoryID string
	Local       Group
}

// LinkPreview says whose access would change if a conflict were linked:
// the synced group's members replace the local group's in every grant the
// local group has.
type LinkPreview struct {
	Conflict Conflict
	Products []string // the products the local group grants
	Gain     []User   // users who would gain access through the link
	Lose     []User   // users who would lose it
}
