package scim

import "github.com/rosterhq/roster"

// The schemas below are RFC 7643 §4 and §8.7.1, attribute for attribute.

// UserType is the User resource type with the enterprise extension.
var UserType = &ResourceType{
	Name:        "User",
	Endpoint:    "/Users",
	Description: "User Account",
	Schema:      userSchema,
	Extensions:  []*Schema{EnterpriseUser},
}

// GroupType is the Group resource type.
var GroupType = &ResourceType{
	Name:        "Group",
	Endpoint:    "/Groups",
	Description: "Group",
	Schema:      groupSchema,
}

var userSchema = &Schema{
	ID:          UserSchema,
	Name:        "User",
	Description: "User Account",
	Attributes: []*Attribute{
		{Name: "userName", Type: roster.TypeString, Required: true, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueServer,
			Description: "Unique identifier for the User, typically used by the user to directly authenticate. Unique within the organization, compared case-insensitively."},
		{Name: "name", Type: roster.TypeComplex, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone,
			Description: "The components of the user's real name.",
			SubAttributes: []*Attribute{
				str("formatted", "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display."),
				str("familyName", "The family name of the User, or last name in most Western languages."),
				str("givenName", "The given name of the User, or first name in most Western languages."),
				str("middleName", "The middle name(s) of the User."),
				str("honorificPrefix", "The honorific prefix(es) of the User, or title in most Western languages."),
				str("honorificSuffix", "The honorific suffix(es) of the User, or suffix in most Western languages."),
			}},
		str("displayName", "The name of the User, suitable for display to end-users."),
		str("nickName", "The casual way to address the user in real life."),
		{Name: "profileUrl", Type: roster.TypeReference, ReferenceTypes: []string{"external"}, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone,
			Description: "A fully qualified URL pointing to a page representing the User's online profile."},
		str("title", "The user's title, such as \"Vice President\"."),
		str("userType", "Used to identify the relationship between the organization and the user."),
		str("preferredLanguage", "Indicates the User's preferred written or spoken language (RFC 7231 Accept-Language format)."),
		str("locale", "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations."),
		str("timezone", "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'."),
		{Name: "active", Type: roster.TypeBoolean, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone,
			Description: "The User's administrative status. An inactive user has no product access."},
		{Name: "password", Type: roster.TypeString, Mutability: WriteOnly, Returned: ReturnedNever, Uniqueness: UniqueNone,
			Description: "The User's cleartext password. Accepted and validated, never stored and never returned: Roster does not sign users in."},
		multi("emails", "Email addresses for the user.", roster.TypeString, []string{"work", "home", "other"}),
		multi("phoneNumbers", "Phone numbers for the User.", roster.TypeString, []string{"work", "home", "mobile", "fax", "pager", "other"}),
		multi("ims", "Instant messaging addresses for the User.", roster.TypeString, []string{"aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"}),
		multi("photos", "URLs of photos of the User.", roster.TypeReference, []string{"photo", "thumbnail"}, "external"),
		{Name: "addresses", Type: roster.TypeComplex, MultiValued: true, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone,
			Description: "A physical mailing address for this User.",
			SubAttributes: []*Attribute{
				str("formatted", "The full mailing address, formatted for display or use with a mailing label."),
				str("streetAddress", "The full street address component."),
				str("locality", "The city or locality component."),
				str("region", "The state or region component."),
				str("postalCode", "The zip code or postal code component."),
				str("country", "The country name component (ISO 3166-1 alpha-2)."),
				func() *Attribute {
					a := str("type", "A label indicating the address's function.")
					a.CanonicalValues = []string{"work", "home", "other"}
					return a
				}(),
				{Name: "primary", Type: roster.TypeBoolean, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone,
					Description: "Marks the preferred address; true appears at most once."},
			}},
		{Name: "groups", Type: roster.TypeComplex, MultiValued: true, Mutability: ReadOnly, Returned: ReturnedDefault, Uniqueness: UniqueNone,
			Description: "The groups the user belongs to, directly or through nested groups. Derived from group membership; read-only.",
			rows:        true,
			SubAttributes: []*Attribute{
				readOnlyString("value", "The id of the group.", true),
				{Name: "$ref", Type: roster.TypeReference, ReferenceTypes: []string{"Group"}, CaseExact: true, Mutability: ReadOnly, Returned: ReturnedDefault, Uniqueness: UniqueNone,
					Description: "The URI of the group."},
				readOnlyString("display", "The group's displayName.", false),
				func() *Attribute {
					a := readOnlyString("type", "How the user belongs to the group.", false)
					a.CanonicalValues = []string{"direct", "indirect"}
					return a
				}(),
			}},
		multi("entitlements", "A list of entitlements for the User that represent a thing the User has.", roster.TypeString, nil),
		multi("roles", "A list of roles for the User that collectively represent who the User is.", roster.TypeString, nil),
		multi("x509Certificates", "A list of certificates issued to the User (base64-encoded DER).", roster.TypeBinary, nil),
	},
}

// EnterpriseUser is the enterprise User extension (RFC 7643 §4.3).
var EnterpriseUser = &Schema{
	ID:          EnterpriseUserSchema,
	Name:        "EnterpriseUser",
	Description: "Enterprise User",
	Attributes: []*Attribute{
		str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person by the organization."),
		str("costCenter", "Identifies the name of a cost center."),
		str("organization", "Identifies the name of an organization."),
		str("division", "Identifies the name of a division."),
		str("department", "Identifies the name of a department."),
		{Name: "manager", Type: roster.TypeComplex, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone,
			Description: "The User's manager. A plain string is taken as the manager's id.",
			SubAttributes: []*Attribute{
				{Name: "value", Type: roster.TypeString, CaseExact: true, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone,
					Description: "The id of the SCIM resource representing the User's manager."},
				{Name: "$ref", Type: roster.TypeReference, ReferenceTypes: []string{"User"}, CaseExact: true, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone,
					Description: "The URI of the SCIM resource representing the User's manager."},
				readOnlyString("displayName", "The displayName of the User's manager.", false),
			}},
	},
}

var groupSchema = &Schema{
	ID:          GroupSchema,
	Name:        "Group",
	Description: "Group",
	Attributes: []*Attribute{
		{Name: "displayName", Type: roster.TypeString, Required: true, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone,
			Description: "A human-readable name for the Group."},
		{Name: "members", Type: roster.TypeComplex, MultiValued: true, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone,
			Description: "A list of members of the Group: users or groups of the same directory.",
			rows:        true,
			SubAttributes: []*Attribute{
				{Name: "value", Type: roster.TypeString, CaseExact: true, Mutability: Immutable, Returned: ReturnedDefault, Uniqueness: UniqueNone,
					Description: "The id of the member."},
				{Name: "$ref", Type: roster.TypeReference, ReferenceTypes: []string{"User", "Group"}, CaseExact: true, Mutability: Immutable, Returned: ReturnedDefault, Uniqueness: UniqueNone,
					Description: "The URI of the member."},
				func() *Attribute {
					a := str("type", "The type of the member.")
					a.Mutability = Immutable
					a.CanonicalValues = []string{"User", "Group"}
					return a
				}(),
				readOnlyString("display", "The member's displayName.", false),
			}},
	},
}
