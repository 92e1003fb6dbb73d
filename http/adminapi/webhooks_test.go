package adminapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rosterhq/roster/http/adminapi"
	"github.com/rosterhq/roster/webhooks"
)

// TestWebhooks: create (secret in that response only), list, update,
// rotate, test send, the delivery log, resend and replay, through the
// same use case as the command line; bad input is a 400, never a 500.
func TestWebhooks(t *testing.T) {
	e := newEnv(t)
	if status, body := e.call("POST", "/webhooks", `{"url":"https://hooks.example.com/x"}`); status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body), "no_secret_key") {
		t.Errorf("create without a server key: %d %v", status, body)
	}
	keys, _ := webhooks.ParseKey(webhooks.NewKey())
	srv := httptest.NewServer(adminapi.New(adminapi.Config{Store: e.st, Webhooks: &webhooks.Service{Store: e.st, Keys: keys}}))
	defer srv.Close()
	e.srv.Close()
	e.srv = srv

	for _, body := range []string{`{"url":"https://127.0.0.1/x"}`, `{"url":"http://hooks.example.com/x"}`, `{"url":"https://hooks.example.com/x","events":["nope.*"]}`, `{"url":7}`} {
		if status, out := e.call("POST", "/webhooks", body); status != http.StatusBadRequest {
			t.Errorf("create %s: %d %v, want 400", body, status, out)
		}
	}
	status, hook := e.call("POST", "/webhooks", `{"url":"https://93.184.215.14/roster","events":["user.*","access.*"]}`)
	if status != http.StatusCreated || !strings.HasPrefix(fmt.Sprint(hook["secret"]), "whsec_") {
		t.Fatalf("create: %d %v", status, hook)
	}
	id := hook["id"].(string)
	status, list := e.call("GET", "/webhooks", "")
	if status != http.StatusOK || strings.Contains(fmt.Sprint(list), "whsec_") || !strings.Contains(fmt.Sprint(list), id) {
		t.Errorf("list: %d %v (want the webhook without its secret)", status, list)
	}
	if status, out := e.call("PATCH", "/webhooks/"+id, `{"disabled":true,"events":["group.*"]}`); status != http.StatusOK || out["disabled"] != true {
		t.Errorf("update: %d %v", status, out)
	}
	status, rot := e.call("POST", "/webhooks/"+id+"/rotate-secret", `{"grace":"1h"}`)
	if status != http.StatusOK || rot["secret"] == hook["secret"] || rot["previousSecretUntil"] == nil {
		t.Errorf("rotate: %d %v", status, rot)
	}
	status, d := e.call("POST", "/webhooks/"+id+"/test", "")
	if status != http.StatusAccepted || d["type"] != "webhook.test" {
		t.Fatalf("test send: %d %v", status, d)
	}
	status, log := e.call("GET", "/webhooks/"+id+"/deliveries?state=pending", "")
	if status != http.StatusOK || len(log["deliveries"].([]any)) != 1 {
		t.Errorf("deliveries: %d %v", status, log)
	}
	if status, _ := e.call("GET", "/webhooks/"+id+"/deliveries?state=bogus", ""); status != http.StatusBadRequest {
		t.Errorf("deliveries?state=bogus: %d", status)
	}
	status, one := e.call("GET", "/webhooks/"+id+"/deliveries/"+d["id"].(string), "")
	if status != http.StatusOK || one["id"] != d["id"] || one["attemptLog"] == nil || len(one["attemptLog"].([]any)) != 0 {
		t.Errorf("one delivery before its first attempt: %d %v, want it with an empty attemptLog", status, one)
	}
	if status, _ := e.call("GET", "/webhooks/"+id+"/deliveries/msg_nope", ""); status != http.StatusNotFound {
		t.Errorf("an unknown delivery: %d, want 404", status)
	}
	if status, _ := e.call("POST", "/webhooks/"+id+"/deliveries/"+d["id"].(string)+"/resend", ""); status != http.StatusConflict {
		t.Errorf("resending a queued delivery: %d, want 409", status)
	}
	if status, _ := e.call("POST", "/webhooks/"+id+"/replay", `{"from":0}`); status != http.StatusBadRequest {
		t.Errorf("replay from 0: %d", status)
	}
	if status, _ := e.call("POST", "/webhooks/"+id+"/replay", `{"from":1}`); status != http.StatusAccepted {
		t.Errorf("replay from 1: %d", status)
	}
	if status, _ := e.call("DELETE", "/webhooks/"+id, ""); status != http.StatusNoContent {
		t.Errorf("delete: %d", status)
	}
	if status, _ := e.call("GET", "/webhooks/"+id, ""); status != http.StatusNotFound {
		t.Errorf("get after delete: %d", status)
	}
}
