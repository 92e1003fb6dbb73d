package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster"
)

// Signing follows the Standard Webhooks specification
// (https://www.standardwebhooks.com): the signed content is
// "<webhook-id>.<webhook-timestamp>.<body>", the signature
// "v1,<base64 HMAC-SHA256>" under the secret's bytes, several signatures
// separated by spaces. No Go implementation of it is served by the module
// proxy here (neither standard-webhooks nor svix), and the scheme is a few
// lines over crypto/hmac; TestSignVector checks them against the
// specification's published test vector.

// SecretPrefix starts every webhook secret.
const SecretPrefix = "whsec_"

// NewSecret returns a fresh webhook secret: "whsec_" and the base64 of 32
// random bytes.
func NewSecret() string {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic("webhooks: crypto/rand failed: " + err.Error()) // never happens on a working OS
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(raw[:])
}

// secretKey returns the HMAC key of a secret: its base64 part decoded.
func secretKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(key) < 24 || len(key) > 64 {
		return nil, roster.E(roster.ReasonInvalidValue, "a webhook secret is %q and the base64 of 24 to 64 bytes", SecretPrefix)
	}
	return key, nil
}

// Sign returns the webhook-signature header value for a message signed
// with every one of secrets (the current one, and during a rotation's
// grace period the previous one too).
func Sign(msgID string, ts time.Time, body []byte, secrets ...string) (string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		key, err := secretKey(s)
		if err != nil {
			return "", err
		}
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac(key, msgID, ts.Unix(), body)))
	}
	return strings.Join(sigs, " "), nil
}

func mac(key []byte, msgID string, ts int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msgID + "." + strconv.FormatInt(ts, 10) + "."))
	h.Write(body)
	return h.Sum(nil)
}

// Verify reports whether header (a webhook-signature value) holds a v1
// signature of the message under secret: what a receiver does, and what
// Roster's tests do as one.
func Verify(secret, msgID, timestamp string, body []byte, header string) bool {
	key, err := secretKey(secret)
	if err != nil {
		return false
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	want := mac(key, msgID, ts, body)
	for _, sig := range strings.Fields(header) {
		v, b64, ok := strings.Cut(sig, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}
