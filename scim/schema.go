// Schemas: the core and extension schemas Roster serves, their attributes
// and characteristics (RFC 7643 §2, §4), and the resource types.

package scim

import (
	"strings"

	"github.com/rosterhq/roster"
)

// Schema URNs.
const (
	UserSchema           = "urn:ietf:params:scim:schemas:core:2.0:User"
	EnterpriseUserSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	GroupSchema          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	ListResponseSchema   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	PatchOpSchema        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	ErrorSchema          = "urn:ietf:params:scim:api:messages:2.0:Error"
	SearchRequestSchema  = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	BulkRequestSchema    = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	BulkResponseSchema   = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
	SPConfigSchema       = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	ResourceTypeSchema   = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema         = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// Mutability, Returned and Uniqueness are attribute characteristics
// (RFC 7643 §7).
type (
	Mutability string
	Returned   string
	Uniqueness string
)

// Attribute characteristics.
const (
	ReadOnly  Mutability = "readOnly"
	ReadWrite Mutability = "readWrite"
	Immutable Mutability = "immutable"
	WriteOnly Mutability = "writeOnly"

	ReturnedAlways  Returned = "always"
	ReturnedNever   Returned = "never"
	ReturnedDefault Returned = "default"
	ReturnedRequest Returned = "request"

	UniqueNone   Uniqueness = "none"
	UniqueServer Uniqueness = "server"
	UniqueGlobal Uniqueness = "global"
)

// Attribute describes one attribute as /Schemas publishes it. The same
// description drives validation, PATCH, filtering and projection, so what
// the server advertises is what it does.
type Attribute struct {
	Name            string          `json:"name"`
	Type            roster.AttrType `json:"type"`
	SubAttributes   []*Attribute    `json:"subAttributes,omitempty"`
	MultiValued     bool            `json:"multiValued"`
	Description     string          `json:"description"`
	Required        bool            `json:"required"`
	CanonicalValues []string        `json:"canonicalValues,omitempty"`
	CaseExact       bool            `json:"caseExact"`
	Mutability      Mutability      `json:"mutability"`
	Returned        Returned        `json:"returned"`
	Uniqueness      Uniqueness      `json:"uniqueness"`
	ReferenceTypes  []string        `json:"referenceTypes,omitempty"`

	// rows marks a multi-valued attribute kept as rows of its own table
	// (Group.members): PATCH turns changes to it into roster.MemberOps
	// instead of editing the document.
	rows bool
}

// Sub returns the sub-attribute called name (any case), or nil.
func (a *Attribute) Sub(name string) *Attribute {
	return findAttr(a.SubAttributes, name)
}

func findAttr(attrs []*Attribute, name string) *Attribute {
	for _, a := range attrs {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// Schema is a published schema: the core schema of a resource type or an
// extension.
type Schema struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Attributes  []*Attribute `json:"attributes"`
}

// Attr returns the schema's attribute called name (any case), or nil.
func (s *Schema) Attr(name string) *Attribute { return findAttr(s.Attributes, name) }

// ResourceType is a kind of resource Roster serves: User or Group.
type ResourceType struct {
	Name        string
	Endpoint    string
	Description string
	Schema      *Schema
	Extensions  []*Schema
}

// Extension returns the extension schema whose URN is urn (any case), or nil.
func (rt *ResourceType) Extension(urn string) *Schema {
	for _, s := range rt.Extensions {
		if strings.EqualFold(s.ID, urn) {
			return s
		}
	}
	return nil
}

// schemaByURN returns the core schema or an extension by URN.
func (rt *ResourceType) schemaByURN(urn string) *Schema {
	if strings.EqualFold(rt.Schema.ID, urn) {
		return rt.Schema
	}
	return rt.Extension(urn)
}

// commonAttributes are the attributes of every resource (RFC 7643 §3.1).
// They belong to no schema and /Schemas does not list them, but filters,
// sorting and projection treat them like any other attribute.
var commonAttributes = []*Attribute{
	{Name: "id", Type: roster.TypeString, CaseExact: true, Mutability: ReadOnly, Returned: ReturnedAlways, Uniqueness: UniqueServer,
		Description: "Unique identifier of the resource, assigned by Roster."},
	{Name: "externalId", Type: roster.TypeString, CaseExact: true, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone,
		Description: "Identifier of the resource in the identity provider."},
	{Name: "meta", Type: roster.TypeComplex, Mutability: ReadOnly, Returned: ReturnedDefault, Uniqueness: UniqueNone,
		Description: "Resource metadata.",
		SubAttributes: []*Attribute{
			readOnlyString("resourceType", "Name of the resource type.", true),
			{Name: "created", Type: roster.TypeDateTime, Mutability: ReadOnly, Returned: ReturnedDefault, Uniqueness: UniqueNone, Description: "When the resource was created."},
			{Name: "lastModified", Type: roster.TypeDateTime, Mutability: ReadOnly, Returned: ReturnedDefault, Uniqueness: UniqueNone, Description: "When the resource last changed."},
			{Name: "location", Type: roster.TypeReference, ReferenceTypes: []string{"uri"}, CaseExact: true, Mutability: ReadOnly, Returned: ReturnedDefault, Uniqueness: UniqueNone, Description: "URI of the resource."},
			readOnlyString("version", "Version of the resource; the weak ETag.", true),
		}},
}

func readOnlyString(name, desc string, caseExact bool) *Attribute {
	return &Attribute{Name: name, Type: roster.TypeString, CaseExact: caseExact, Mutability: ReadOnly, Returned: ReturnedDefault, Uniqueness: UniqueNone, Description: desc}
}

// str returns a plain read-write, case-insensitive string attribute.
func str(name, desc string) *Attribute {
	return &Attribute{Name: name, Type: roster.TypeString, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone, Description: desc}
}

// multi returns a multi-valued complex attribute with the usual value,
// display, type and primary sub-attributes (RFC 7643 §2.4).
func multi(name, desc string, valueType roster.AttrType, types []string, refTypes ...string) *Attribute {
	value := str("value", "The value of the "+name+" entry.")
	value.Type = valueType
	value.ReferenceTypes = refTypes
	if valueType == roster.TypeReference || valueType == roster.TypeBinary {
		value.CaseExact = true
	}
	kind := str("type", "A label indicating the function of the entry.")
	kind.CanonicalValues = types
	return &Attribute{
		Name: name, Type: roster.TypeComplex, MultiValued: true, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone, Description: desc,
		SubAttributes: []*Attribute{
			value,
			str("display", "A human-readable name, primarily used for display purposes."),
			kind,
			{Name: "primary", Type: roster.TypeBoolean, Mutability: ReadWrite, Returned: ReturnedDefault, Uniqueness: UniqueNone,
				Description: "Marks the preferred entry; true appears at most once."},
		},
	}
}

// ResourceTypes returns the resource types Roster serves, in the order
// /ResourceTypes lists them.
func ResourceTypes() []*ResourceType { return []*ResourceType{UserType, GroupType} }

// ResourceTypeByName returns User or Group by name (any case), or nil.
func ResourceTypeByName(name string) *ResourceType {
	for _, rt := range ResourceTypes() {
		if strings.EqualFold(rt.Name, name) {
			return rt
		}
	}
	return nil
}

// Schemas returns every schema Roster publishes.
func Schemas() []*Schema {
	return []*Schema{UserType.Schema, EnterpriseUser, GroupType.Schema}
}
