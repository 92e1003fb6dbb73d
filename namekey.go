package roster

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NameKey is the form in which userNames are compared for uniqueness and
// looked up (RFC 7643 makes userName caseExact=false): two names are the
// same name when their keys are equal. The key is
//
//   - normalized with NFKC, not the NFC the issue first asked for: NFC makes
//     the precomposed and decomposed spellings of "josé" one, but leaves
//     fullwidth "ｊｏｓé" and ligatures such as "ﬁ" distinct, and those look
//     the same to a person reading a list of users;
//   - case folded with Unicode's full folding (golang.org/x/text/cases Fold),
//     which maps "ß" to "ss" and final sigma to sigma, so that "STRASSE" and
//     "straße" are one name; then normalized with NFKC again, as folding
//     can leave a string unnormalized (Unicode's toNFKC_Casefold does the
//     same);
//   - trimmed of white space at both ends.
//
// Names holding, once trimmed, a control character (category Cc) or an invisible format
// character (Cf: zero-width spaces and joiners, bidi controls, the soft
// hyphen, the byte order mark) are refused with EInvalid/invalidValue: they
// make two names that print alike, and no identity provider needs them in
// an identifier. The key depends on the Unicode tables of golang.org/x/text;
// a new Unicode version could change the key of rare names, which is why
// keys are stored and recomputed only by a migration.
func NameKey(s string) (string, error) {
	for _, r := range strings.TrimSpace(s) { // a tab or newline at an end is white space, trimmed
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return "", Errorf(EInvalid, ScimInvalidValue,
				"the name holds the invisible or control character U+%04X; names may not contain control characters, zero-width or bidi characters, soft hyphens or byte order marks", r)
		}
	}
	return nameKey(s), nil
}

// StoredNameKey is the key of a name stored before NameKey existed, which
// may hold characters NameKey refuses: they are dropped rather than
// refused, so that a stored name differing from another only by invisible
// characters is found to collide with it.
func StoredNameKey(s string) string {
	return nameKey(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s))
}

func nameKey(s string) string {
	s = norm.NFKC.String(s)
	s = cases.Fold().String(s) // a Caser holds state: one per call
	s = norm.NFKC.String(s)
	return strings.TrimSpace(s)
}
