package password_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/password"
)

func TestHashAndCheck(t *testing.T) {
	const plain = "correct horse battery staple"
	h, err := password.Hash(plain)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Errorf("hash %q is not an argon2id PHC string with the documented parameters", h)
	}
	if strings.Contains(h, plain) {
		t.Error("the hash contains the password")
	}
	ok, err := password.Check(plain, h)
	if err != nil || !ok {
		t.Errorf("Check(right password) = %v, %v; want true", ok, err)
	}
	for _, wrong := range []string{"correct horse battery stapl", "Correct horse battery staple", "", plain + " "} {
		if ok, err := password.Check(wrong, h); err != nil || ok {
			t.Errorf("Check(%q) = %v, %v; want false", wrong, ok, err)
		}
	}
	// The salt is fresh each time: two hashes of one password differ, and
	// both check.
	h2, err := password.Hash(plain)
	if err != nil {
		t.Fatal(err)
	}
	if h2 == h {
		t.Error("two hashes of the same password are equal: the salt is not random")
	}
	if ok, _ := password.Check(plain, h2); !ok {
		t.Error("the second hash does not check")
	}
}

func TestCheckOtherParameters(t *testing.T) {
	// A hash made with other parameters (an older or a future default)
	// still checks: the parameters are read from the hash.
	saved := password.Params
	password.Params.Memory, password.Params.Iterations, password.Params.Parallelism = 8*1024, 1, 1
	h, err := password.Hash("a long enough password")
	password.Params = saved
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "$m=8192,t=1,p=1$") {
		t.Fatalf("hash %q does not record its parameters", h)
	}
	if ok, err := password.Check("a long enough password", h); err != nil || !ok {
		t.Errorf("Check = %v, %v; want true", ok, err)
	}
}

func TestCheckEmptyAndBadHash(t *testing.T) {
	// An admin without a password cannot sign in with one, and finding
	// that out takes about as long as checking a real hash.
	real, err := password.Hash("some real password")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	password.Check("some real password", real)
	realTook := time.Since(start)
	start = time.Now()
	ok, err := password.Check("anything at all", "")
	emptyTook := time.Since(start)
	if ok || err != nil {
		t.Errorf("Check against no hash = %v, %v; want false, nil", ok, err)
	}
	if emptyTook < realTook/4 {
		t.Errorf("checking against no hash took %v, a real check %v: the difference tells an attacker which admins exist", emptyTook, realTook)
	}
	for _, bad := range []string{"plaintext", "$2a$10$abcdefghijklmnopqrstuv", "$argon2i$v=19$m=65536,t=3,p=4$c2FsdA$a2V5"} {
		if ok, err := password.Check("plaintext", bad); err == nil || ok {
			t.Errorf("Check against %q = %v, %v; want an error", bad, ok, err)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, good := range []string{"twelve chars", "correct horse battery staple", "ünïcödé-pässwörd", strings.Repeat("x", password.MaxLength)} {
		if err := password.Validate(good); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", good, err)
		}
	}
	for _, tc := range []struct{ plain, detail string }{
		{"", "empty"},
		{"            ", "empty"},
		{"short", "at least 12"},
		{"elevenchars", "has 11 characters"},
		{"ääääääääääß", "has 11 characters"}, // 22 bytes, 11 characters
		{strings.Repeat("x", password.MaxLength+1), "at most 1024"},
		{"invalid \xff utf-8 text", "UTF-8"},
	} {
		err := password.Validate(tc.plain)
		if roster.ErrorCodeOf(err) != roster.EInvalid {
			t.Errorf("Validate(%.20q) = %v, want an EInvalid", tc.plain, err)
			continue
		}
		if !strings.Contains(roster.AsError(err).Detail, tc.detail) {
			t.Errorf("Validate(%.20q) detail %q does not say %q", tc.plain, roster.AsError(err).Detail, tc.detail)
		}
	}
}

func TestConcurrentHashesAreBounded(t *testing.T) {
	// Many hashes at once all finish and all check; the semaphore must
	// not deadlock Check called while others Hash.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			plain := strings.Repeat(string(rune('a'+i)), 12)
			h, err := password.Hash(plain)
			if err == nil {
				var ok bool
				if ok, err = password.Check(plain, h); err == nil && !ok {
					err = roster.Errorf(roster.EInternal, "", "hash %d does not check", i)
				}
			}
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
