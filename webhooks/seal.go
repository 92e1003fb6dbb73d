package webhooks

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/rosterhq/roster"
)

// Keyring seals webhook secrets for the store with AES-256-GCM under the
// server's secret key (roster keygen --out FILE writes one; roster serve
// --secret-key-file reads it). Signing needs the secret itself, so unlike
// tokens it cannot be stored as a hash; sealed, a copy of the database
// alone does not give the secrets away.
type Keyring struct{ aead cipher.AEAD }

// NewKey returns a fresh secret key in its file form: the base64 of 32
// random bytes and a newline.
func NewKey() []byte {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic("webhooks: crypto/rand failed: " + err.Error())
	}
	return []byte(base64.StdEncoding.EncodeToString(raw[:]) + "\n")
}

// ParseKey reads a key in its file form.
func ParseKey(text []byte) (*Keyring, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(text)))
	if err != nil || len(raw) != 32 {
		return nil, fmt.Errorf("a secret key is the base64 of 32 bytes on one line (make one with roster keygen --out FILE)")
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keyring{aead: aead}, nil
}

// LoadKey reads the key file at path.
func LoadKey(path string) (*Keyring, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	k, err := ParseKey(text)
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	return k, nil
}

// Seal encrypts a secret: the nonce, then the ciphertext.
func (k *Keyring) Seal(secret string) []byte {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(secret)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("webhooks: crypto/rand failed: " + err.Error())
	}
	return k.aead.Seal(nonce, nonce, []byte(secret), nil)
}

// Open decrypts what Seal made; an error means another key sealed it.
func (k *Keyring) Open(sealed []byte) (string, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return "", fmt.Errorf("sealed secret too short")
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return "", fmt.Errorf("the webhook secret was sealed with another secret key")
	}
	return string(plain), nil
}

// errNoKey is what creating or rotating a webhook says without a key.
func errNoKey() error {
	return roster.E(roster.ReasonNoSecretKey, "webhooks need a secret key to keep their signing secrets encrypted: make one with "+
		"`roster keygen --out roster.key` and start the server (and run the command) with --secret-key-file roster.key or ROSTER_SECRET_KEY_FILE")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
