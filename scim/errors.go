package scim

import (
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
	b, _ := json.Marshal(body)
	return b
}
