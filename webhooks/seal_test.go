package webhooks_test

import (
	"bytes"
	"testing"

	"github.com/rosterhq/roster/webhooks"
)

// TestKeyRotation: a key file of two keys seals with the first and opens
// what either sealed; Reseal moves a secret from the older key to the
// first, and leaves one the first sealed as it is; a ring without the key
// that sealed a secret cannot open it; malformed files are refused.
func TestKeyRotation(t *testing.T) {
	oldKey, newKey := webhooks.NewKey(), webhooks.NewKey()
	old, err := webhooks.ParseKey(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	sealedOld := old.Seal("whsec_old")

	ring, err := webhooks.ParseKey(append(append([]byte("# rotated today\n"), newKey...), append([]byte("\n"), oldKey...)...))
	if err != nil || ring.Keys() != 2 {
		t.Fatalf("a file of two keys: %v, %d keys", err, ring.Keys())
	}
	if got, err := ring.Open(sealedOld); err != nil || got != "whsec_old" {
		t.Errorf("the ring opens the older key's secret as %q, %v", got, err)
	}
	resealed, changed, err := ring.Reseal(sealedOld)
	if err != nil || !changed || bytes.Equal(resealed, sealedOld) {
		t.Fatalf("Reseal of the older key's secret: changed %v, %v", changed, err)
	}
	newOnly, _ := webhooks.ParseKey(newKey)
	if got, err := newOnly.Open(resealed); err != nil || got != "whsec_old" {
		t.Errorf("the new key alone opens the resealed secret as %q, %v", got, err)
	}
	if _, err := newOnly.Open(sealedOld); err == nil {
		t.Error("the new key alone opens what only the old key sealed")
	}
	if again, changed, err := ring.Reseal(resealed); err != nil || changed || !bytes.Equal(again, resealed) {
		t.Errorf("Reseal of a secret the first key sealed: changed %v, %v", changed, err)
	}
	if got, err := newOnly.Open(ring.Seal("s")); err != nil || got != "s" {
		t.Errorf("the ring does not seal with its first key: %q %v", got, err)
	}
	for _, bad := range []string{"", "# only a comment\n", "bm90IGEga2V5\n", string(newKey) + "not base64!\n"} {
		if _, err := webhooks.ParseKey([]byte(bad)); err == nil {
			t.Errorf("ParseKey(%q) accepted it", bad)
		}
	}
}
