package scimapi

import (
	"encoding/json"
	"net/http"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/scim"
)

func (s *Server) features() scim.Features {
	return scim.Features{MaxResults: scim.MaxResults, BulkOperations: scim.MaxBulkOperations, BulkPayload: scim.MaxBulkPayload, Cursor: true}
}

func writeDoc(w http.ResponseWriter, doc any) error {
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, body)
}

func listOf(docs []map[string]any) map[string]any {
	return map[string]any{
		"schemas":      []string{scim.ListResponseSchema},
		"totalResults": len(docs),
		"itemsPerPage": len(docs),
		"startIndex":   1,
		"Resources":    docs,
	}
}

func (s *Server) serviceProviderConfig(w http.ResponseWriter, r *http.Request, c *call) error {
	return writeDoc(w, scim.ServiceProviderConfig(c.enc.Base, s.features()))
}

func (s *Server) resourceTypes(w http.ResponseWriter, r *http.Request, c *call) error {
	var docs []map[string]any
	for _, rt := range scim.ResourceTypes() {
		docs = append(docs, scim.ResourceTypeDoc(c.enc.Base, rt))
	}
	return writeDoc(w, listOf(docs))
}

func (s *Server) resourceType(w http.ResponseWriter, r *http.Request, c *call) error {
	rt := scim.ResourceTypeByName(r.PathValue("name"))
	if rt == nil {
		return roster.NotFoundf("no resource type %q; Roster serves User and Group", r.PathValue("name"))
	}
	return writeDoc(w, scim.ResourceTypeDoc(c.enc.Base, rt))
}

func (s *Server) schemas(w http.ResponseWriter, r *http.Request, c *call) error {
	var docs []map[string]any
	for _, sc := range scim.Schemas() {
		docs = append(docs, scim.SchemaDoc(c.enc.Base, sc))
	}
	return writeDoc(w, listOf(docs))
}

func (s *Server) schema(w http.ResponseWriter, r *http.Request, c *call) error {
	sc := scim.SchemaByURN(r.PathValue("urn"))
	if sc == nil {
		return roster.NotFoundf("no schema %q", r.PathValue("urn"))
	}
	return writeDoc(w, scim.SchemaDoc(c.enc.Base, sc))
}
