package webhooks

import (
	"strings"
	"testing"
	"time"
)

// TestSignVector checks Sign against the test vector the Standard Webhooks
// specification's reference libraries publish (secret, message id,
// timestamp, payload and expected signature). The same value comes out of
//
//	printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' |
//	  openssl dgst -sha256 -mac HMAC -macopt hexkey:$(echo MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | base64 -d | xxd -p -c 100) -binary | base64
func TestSignVector(t *testing.T) {
	const (
		secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		id     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		body   = `{"test": 2432232314}`
		want   = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	got, err := Sign(id, time.Unix(1614265330, 0), []byte(body), secret)
	if err != nil || got != want {
		t.Fatalf("Sign = %q, %v; want %q", got, err, want)
	}
	if !Verify(secret, id, "1614265330", []byte(body), got) {
		t.Error("Verify refuses the specification's signature")
	}
	if Verify(secret, id, "1614265331", []byte(body), got) || Verify(secret, id, "1614265330", []byte(body+" "), got) {
		t.Error("Verify accepts a signature of another timestamp or body")
	}
}

// TestSignRotation: during a rotation both secrets sign, and a receiver
// holding either one verifies the message.
func TestSignRotation(t *testing.T) {
	oldS, newS := NewSecret(), NewSecret()
	if !strings.HasPrefix(newS, SecretPrefix) || oldS == newS {
		t.Fatalf("NewSecret = %q, %q", oldS, newS)
	}
	now := time.Now()
	h, err := Sign("msg_1", now, []byte("{}"), newS, oldS)
	if err != nil || len(strings.Fields(h)) != 2 {
		t.Fatalf("Sign = %q, %v; want two signatures", h, err)
	}
	ts := now.Unix()
	for _, s := range []string{oldS, newS} {
		if !Verify(s, "msg_1", itoa(ts), []byte("{}"), h) {
			t.Errorf("a receiver with %s… cannot verify", s[:10])
		}
	}
	if Verify(NewSecret(), "msg_1", itoa(ts), []byte("{}"), h) {
		t.Error("a third secret verifies")
	}
}
