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

// Keyring seals webhook secrets and connector tokens for the store with
// AES-256-GCM under the server's secret key (roster keygen --out FILE
// writes one; roster serve --secret-key-file reads it). Signing needs the
// secret itself, so unlike tokens it cannot be stored as a hash; sealed, a
// copy of the database alone does not give the secrets away.
//
// The key is rotatable: a key file holds one key per line, newest first
// (roster keygen --rotate FILE adds one). The first seals; every one
// opens, so secrets sealed with an older key keep working until
// roster rekey has sealed them again with the first, after which the
// older lines can go.
type Keyring struct{ aeads []cipher.AEAD }

// NewKey returns a fresh secret key in its file form: the base64 of 32
// random bytes and a newline.
func NewKey() []byte {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic("webhooks: crypto/rand failed: " + err.Error())
	}
	return []byte(base64.StdEncoding.EncodeToString(raw[:]) + "\n")
}

// ParseKey reads a key file's text: one key per line, newest first; blank
// lines and lines starting with # are skipped.
func ParseKey(text []byte) (*Keyring, error) {
	k := &Keyring{}
	for i, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(line)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("line %d: a secret key is the base64 of 32 bytes on one line (make one with roster keygen --out FILE)", i+1)
		}
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads = append(k.aeads, aead)
	}
	if len(k.aeads) == 0 {
		return nil, fmt.Errorf("no secret key in it: a secret key is the base64 of 32 bytes on one line (make one with roster keygen --out FILE)")
	}
	return k, nil
}

// Keys is how many keys the ring holds; the first seals.
func (k *Keyring) Keys() int { return len(k.aeads) }

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

// Seal encrypts a secret with the first key: the nonce, then the
// ciphertext.
func (k *Keyring) Seal(secret string) []byte {
	aead := k.aeads[0]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(secret)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("webhooks: crypto/rand failed: " + err.Error())
	}
	return aead.Seal(nonce, nonce, []byte(secret), nil)
}

// Open decrypts what Seal made under any key of the ring; an error means
// none of them sealed it.
func (k *Keyring) Open(sealed []byte) (string, error) {
	plain, _, err := k.open(sealed)
	return plain, err
}

// open is Open, also saying which key opened it (0: the first).
func (k *Keyring) open(sealed []byte) (string, int, error) {
	for i, aead := range k.aeads {
		n := aead.NonceSize()
		if len(sealed) < n {
			return "", 0, fmt.Errorf("sealed secret too short")
		}
		if plain, err := aead.Open(nil, sealed[:n], sealed[n:], nil); err == nil {
			return string(plain), i, nil
		}
	}
	return "", 0, fmt.Errorf("the secret was sealed with a secret key that is not in the key file")
}

// Reseal returns sealed sealed again with the first key, and true, when
// an older key of the ring sealed it; sealed itself and false when the
// first did (or it is empty).
func (k *Keyring) Reseal(sealed []byte) ([]byte, bool, error) {
	if len(sealed) == 0 {
		return sealed, false, nil
	}
	plain, i, err := k.open(sealed)
	if err != nil || i == 0 {
		return sealed, false, err
	}
	return k.Seal(plain), true, nil
}

// errNoKey is what creating or rotating a webhook says without a key.
func errNoKey() error {
	return roster.E(roster.ReasonNoSecretKey, "webhooks need a secret key to keep their signing secrets encrypted: make one with "+
		"`roster keygen --out roster.key` and start the server (and run the command) with --secret-key-file roster.key or ROSTER_SECRET_KEY_FILE")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
