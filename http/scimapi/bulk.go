package scimapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/http/httperr"
	"github.com/rosterhq/roster/scim"
)

// bulk runs a BulkRequest (RFC 7644 §3.7). Each operation is served by the
// same handler a single request would reach, with the caller's token, so
// that a bulk operation behaves exactly like the request it stands for.
// Operations run in order, except that one referring to another's bulkId
// waits until that one has run (forward references work); operations
// that can only wait for each other are circular and fail with 409.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request, c *call) error {
	body, err := readBodyLimit(w, r, scim.MaxBulkPayload)
	if err != nil {
		return err
	}
	req, err := scim.ParseBulk(body)
	if err != nil {
		return err
	}
	run := &bulkRun{s: s, r: r, c: c, req: req, ids: map[string]string{}, results: make([]map[string]any, len(req.Operations))}
	run.all()
	out := make([]map[string]any, 0, len(req.Operations))
	for _, res := range run.results {
		if res != nil {
			out = append(out, res)
		}
	}
	resp, err := json.Marshal(map[string]any{"schemas": []string{scim.BulkResponseSchema}, "Operations": out})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resp)
}

type bulkRun struct {
	s       *Server
	r       *http.Request
	c       *call
	req     *scim.BulkRequest
	ids     map[string]string // bulkId -> the ID its POST created
	failed  map[string]bool   // bulkIds whose operation failed
	results []map[string]any
	errors  int
}

// all runs the operations, passing over those that wait for a bulkId not
// yet created, until no more can run.
func (b *bulkRun) all() {
	b.failed = map[string]bool{}
	pending := make([]int, len(b.req.Operations))
	for i := range pending {
		pending[i] = i
	}
	declared := map[string]bool{}
	for _, op := range b.req.Operations {
		if op.BulkID != "" {
			declared[op.BulkID] = true
		}
	}
	for len(pending) > 0 {
		var waiting []int
		for _, i := range pending {
			if b.stopped() {
				return
			}
			op := b.req.Operations[i]
			ready := true
			for _, ref := range op.References() {
				switch {
				case !declared[ref]:
					b.fail(i, http.StatusBadRequest, roster.ScimInvalidValue, "bulkId:"+ref+" refers to no operation of this request")
					ready = false
				case b.failed[ref]:
					b.fail(i, http.StatusBadRequest, roster.ScimInvalidValue, "bulkId:"+ref+" refers to an operation that failed")
					ready = false
				case b.ids[ref] == "":
					waiting = append(waiting, i)
					ready = false
				}
				if !ready {
					break
				}
			}
			if ready {
				b.do(i)
			}
		}
		if len(waiting) == len(pending) {
			for _, i := range waiting {
				b.fail(i, http.StatusConflict, "", "the operation's bulkId references are circular; send the resources without the reference first and add it with a PATCH")
			}
			return
		}
		pending = waiting
	}
}

func (b *bulkRun) stopped() bool {
	return b.req.FailOnErrors > 0 && b.errors >= b.req.FailOnErrors
}

// do serves one operation through the API's own router.
func (b *bulkRun) do(i int) {
	op := b.req.Operations[i]
	op.Resolve(b.ids)
	var body []byte
	if op.Data != nil {
		body, _ = json.Marshal(op.Data)
	}
	sub, err := http.NewRequestWithContext(b.r.Context(), op.Method, Prefix+b.c.tenant.DirectoryID+op.Path, bytes.NewReader(body))
	if err != nil {
		b.fail(i, http.StatusBadRequest, roster.ScimInvalidPath, "path "+op.Path+" is not a valid URL path")
		return
	}
	sub.Header.Set("Authorization", b.r.Header.Get("Authorization"))
	sub.Header.Set("Content-Type", scim.MediaType)
	if op.Version != "" {
		sub.Header.Set("If-Match", op.Version)
	}
	sub = httperr.WithRequestID(sub, httperr.RequestID(b.r))
	rec := httptest.NewRecorder()
	b.s.mux.ServeHTTP(rec, sub)

	res := b.result(i)
	res["status"] = strconv.Itoa(rec.Code)
	if v := rec.Header().Get("ETag"); v != "" {
		res["version"] = v
	}
	if rec.Code >= 400 {
		b.errors++
		if op.BulkID != "" {
			b.failed[op.BulkID] = true
		}
		var errBody any
		if json.Unmarshal(rec.Body.Bytes(), &errBody) == nil {
			res["response"] = errBody
		}
		return
	}
	location := rec.Header().Get("Location")
	if location == "" && op.Method != "DELETE" {
		location = b.c.enc.Base + op.Path
	}
	if location != "" {
		res["location"] = location
	}
	if op.Method == "POST" {
		var created struct{ ID string }
		json.Unmarshal(rec.Body.Bytes(), &created)
		b.ids[op.BulkID] = created.ID
	}
}

func (b *bulkRun) result(i int) map[string]any {
	op := b.req.Operations[i]
	res := map[string]any{"method": op.Method}
	if op.BulkID != "" {
		res["bulkId"] = op.BulkID
	}
	b.results[i] = res
	return res
}

// fail records an operation that could not be run.
func (b *bulkRun) fail(i, status int, scimType, detail string) {
	res := b.result(i)
	res["status"] = strconv.Itoa(status)
	var body map[string]any
	json.Unmarshal(scim.ErrorBody(status, scimType, detail), &body)
	res["response"] = body
	b.errors++
	if id := b.req.Operations[i].BulkID; id != "" {
		b.failed[id] = true
	}
}
