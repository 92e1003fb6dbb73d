// Package password hashes and checks the passwords of organization admins.
//
// Passwords are hashed with Argon2id (RFC 9106), through
// github.com/alexedwards/argon2id, and stored in the PHC string format
// ("$argon2id$v=19$m=65536,t=3,p=4$salt$key"), which records the
// parameters next to the salt and the key: parameters can be raised later
// without invalidating the hashes already stored.
//
// Why Argon2id: a password, unlike a token secret, is chosen by a person
// and can be guessed, so its hash must make every guess expensive. Argon2id
// won the Password Hashing Competition, is what RFC 9106 and OWASP
// recommend first, and is memory-hard: each guess needs the full memory
// cost, which takes away most of the advantage GPUs and ASICs have over a
// server's CPU. The "id" variant also resists the side-channel attacks
// that the data-dependent Argon2d is open to.
//
// Why these parameters (Params): 64 MiB of memory, 3 passes, 4 lanes, a
// 16-byte salt and a 32-byte key are RFC 9106's second recommended option
// (§4), the one for when the first (2 GiB) is too much memory for a
// server. They are fixed rather than argon2id.DefaultParams (one pass, as
// many lanes as the machine has cores) so that a hash costs the same on
// every node, whatever its size. They cost about 0.1 to 0.2 s per hash on
// a current server (measured: 0.17 s on 2 cores), which a person signing
// in hardly notices and which holds an attacker with a stolen database to
// a handful of guesses per second per core and 64 MiB. Because each hash
// holds 64 MiB while it runs, Hash and Check let at most max(2,
// GOMAXPROCS) of them run at once; the others wait, so that a burst of
// sign-in attempts cannot exhaust the server's memory.
//
// It depends on nothing of Roster's but the root package's error type.
package password

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"

	"github.com/rosterhq/roster"
)

// Params are the Argon2id parameters of new hashes (see the package
// documentation). Hashes made with other parameters keep checking.
var Params = argon2id.Params{
	Memory:      64 * 1024, // KiB: 64 MiB
	Iterations:  3,
	Parallelism: 4,
	SaltLength:  16,
	KeyLength:   32,
}

// Length limits of a password, in characters. At least 12: length is what
// makes a password hard to guess (NIST SP 800-63B). At most 1024: long
// enough for any passphrase or password manager, short enough that a
// request cannot make the server hash megabytes.
const (
	MinLength = 12
	MaxLength = 1024
)

// slots bounds how many hashes run at once, and so the memory they take
// (64 MiB each): more would not finish sooner on the cores there are.
var slots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

func acquire() func() {
	slots <- struct{}{}
	return func() { <-slots }
}

// Validate checks that plain is acceptable as a new password. The error is
// an EInvalid whose detail tells the person what to change.
func Validate(plain string) error {
	if !utf8.ValidString(plain) {
		return roster.Errorf(roster.EInvalid, "", "the password is not valid UTF-8 text")
	}
	n := utf8.RuneCountInString(plain)
	switch {
	case strings.TrimSpace(plain) == "":
		return roster.Errorf(roster.EInvalid, "", "the password is empty; choose one of at least %d characters", MinLength)
	case n < MinLength:
		return roster.Errorf(roster.EInvalid, "", "the password has %d characters; it needs at least %d (a passphrase of a few words is easy to remember)", n, MinLength)
	case n > MaxLength:
		return roster.Errorf(roster.EInvalid, "", "the password has %d characters; at most %d are allowed", n, MaxLength)
	}
	return nil
}

// Hash returns the Argon2id hash of plain, in PHC string format, with a
// fresh random salt. It does not validate plain: call Validate first.
func Hash(plain string) (string, error) {
	release := acquire()
	defer release()
	params := Params
	return argon2id.CreateHash(plain, &params)
}

// dummy is the hash checked against when there is no hash to check, so that a
// failed sign-in takes as long for an unknown admin (or one without a
// password) as for a wrong password, and timing tells nothing.
var dummy = sync.OnceValue(func() string {
	h, err := Hash("roster: no such password")
	if err != nil {
		panic("password: " + err.Error())
	}
	return h
})

// Check reports whether plain is the password hash was made from. An empty
// hash (an admin with no password, or none found) never matches, but is
// checked against a stand-in so that it takes as long as a real check. A
// hash that is not an Argon2id PHC string is an error.
func Check(plain, hash string) (bool, error) {
	if hash == "" {
		check(plain, dummy())
		return false, nil
	}
	return check(plain, hash)
}

func check(plain, hash string) (bool, error) {
	release := acquire()
	defer release()
	ok, err := argon2id.ComparePasswordAndHash(plain, hash)
	if err != nil {
		return false, errors.New("password: the stored hash cannot be read: " + err.Error())
	}
	return ok, nil
}
