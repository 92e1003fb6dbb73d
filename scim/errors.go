package scim

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// ErrorBody is a SCIM error response (RFC 7644 §3.12).
func ErrorBody(status int, scimType, detail string) []byte {
	body := struct {
		Schemas  []string `json:"schemas"`
		Status   string   `json:"status"`
		ScimType string   `json:"scimType,omitempty"`
		Detail   string   `json:"detail,omitempty"`
	}{[]string{ErrorSchema}, strconv.Itoa(status), scimType, detail}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(body)
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// MediaType is the SCIM media type (RFC 7644 §8.1).
const MediaType = "application/scim+json"
