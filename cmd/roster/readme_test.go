package main

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readme is the README's text: what people follow on a fresh machine.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeConfig is the README's sample configuration file.
func readmeConfig(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile("(?s)```\n(# /etc/roster/roster.conf\n.*?)```").FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("README has no sample configuration file (a block starting # /etc/roster/roster.conf)")
	}
	return m[1]
}

// TestREADMEConfigurationThroughEveryCommand gives the README's sample
// configuration to every command: a file one operator writes for serve
// must not make the other commands refuse it, while a setting no command
// knows is still refused.
func TestREADMEConfigurationThroughEveryCommand(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "roster.conf")
	sample := readmeConfig(t)
	if !strings.Contains(sample, "log-format") || !strings.Contains(sample, "addr") {
		t.Fatalf("the sample no longer sets serve's own flags; this test would prove nothing:\n%s", sample)
	}
	if err := os.WriteFile(conf, []byte(sample), 0o600); err != nil {
		t.Fatal(err)
	}
	// The environment may also hold settings of other commands.
	t.Setenv("ROSTER_LOG_FORMAT", "json")
	db := filepath.Join(dir, "roster.db") // the sample's /var/lib path is not ours
	for _, cmd := range commands {
		args := append(strings.Fields(cmd.words), "--config", conf, "--db", db)
		ctx, cancel := context.WithCancel(context.Background())
		var out io.Writer = io.Discard
		if cmd.words == "serve" {
			args = append(args, "--addr", "127.0.0.1:0", "--domain-recheck", "0")
			out = cancelOn{"Console:", cancel} // it started: stop it
		}
		_, takesArgs := cmd.new().(argTaker)
		if takesArgs { // check URL TOKEN, at a closed port: it fails (1), but parses
			args = append(args, "http://127.0.0.1:1/scim/v2", "token", "--only", "rfc")
		}
		errOut := &lockedBuffer{} // serve's goroutines log to it too
		code := run(ctx, args, out, errOut)
		cancel()
		if code == 2 || strings.Contains(errOut.String(), "config file") || strings.Contains(errOut.String(), "not defined") {
			t.Errorf("roster %s --config README-sample: exit %d\n%s", cmd.words, code, errOut.String())
		}
		// The commands that need no more flags run through.
		if needsNone := len(cmd.new().flags(flag.NewFlagSet("", flag.ContinueOnError))) == 0; needsNone && !takesArgs && code != 0 {
			t.Errorf("roster %s --config README-sample: exit %d\n%s", cmd.words, code, errOut.String())
		}
	}
	// A typo is no other command's setting: it is refused.
	if err := os.WriteFile(conf, []byte(sample+"log-fromat json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI(t, nil, "org", "list", "--config", conf, "--db", db)
	if code != 2 || !strings.Contains(errOut, `"log-fromat" is not a flag of any roster command`) {
		t.Errorf("a config file with a typo: exit %d, %q", code, errOut)
	}
	// And on the command line another command's flag is still an error.
	if _, _, code := runCLI(t, nil, "org", "list", "--db", db, "--log-format", "json"); code != 2 {
		t.Errorf("org list --log-format: exit %d, want 2", code)
	}
}

// cancelOn is an output that cancels a context once marker is written.
type cancelOn struct {
	marker string
	cancel func()
}

func (c cancelOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.marker) {
		c.cancel()
	}
	return len(p), nil
}

// readmeCommandLines are the roster command lines of the README: the
// lines of its sh blocks and its inline code that start with roster (or
// go run ./cmd/roster).
func readmeCommandLines(t *testing.T) []string {
	text := readme(t)
	var lines []string
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(text, -1) {
		lines = append(lines, strings.Split(block[1], "\n")...)
	}
	for _, span := range regexp.MustCompile("`(roster [^`]+)`").FindAllStringSubmatch(text, -1) {
		lines = append(lines, span[1])
	}
	var out []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l, ok := strings.CutPrefix(l, "go run ./cmd/roster "); ok {
			out = append(out, l)
		} else if l, ok := strings.CutPrefix(l, "roster "); ok {
			out = append(out, l)
		}
	}
	return out
}

// shellWords splits a README command line as a shell would, for the
// lines the README has: quotes, a trailing comment, [optional] parts,
// input redirections (< file), and <PLACEHOLDERS> and $(substitutions),
// which stand for a value.
func shellWords(line string) []string {
	line = regexp.MustCompile(`\s#\s.*$`).ReplaceAllString(line, "")
	line = regexp.MustCompile(`\[[^\]]*\]`).ReplaceAllString(line, "")
	line = regexp.MustCompile(`\s<\s+\S+`).ReplaceAllString(line, "") // < file: the shell's
	line = regexp.MustCompile(`<([A-Z_]+)>`).ReplaceAllString(line, "$1")
	line = regexp.MustCompile(`\$\([^)]*\)`).ReplaceAllString(line, "SUBST")
	var words []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// TestREADMECommandLinesParse checks every command line of the README
// against the commands: it names one, its flags exist and take the values
// given, and a line that gives flags gives every flag the command needs.
func TestREADMECommandLinesParse(t *testing.T) {
	lines := readmeCommandLines(t)
	if len(lines) < 25 {
		t.Fatalf("found only %d command lines in the README: %q", len(lines), lines)
	}
	for _, line := range lines {
		words := shellWords(line)
		if len(words) == 1 && words[0] == "help" {
			continue // run answers it; TestHelpExitsZero
		}
		cmd, rest := findCommand(words)
		if cmd == nil {
			t.Errorf("README: roster %s: no such command", line)
			continue
		}
		fs := (&cli{stdout: io.Discard, stderr: io.Discard}).newFlags(cmd.words)
		r := cmd.new()
		required := r.flags(fs)
		if _, ok := r.(argTaker); ok {
			rest, _ = splitArgs(fs, rest) // URL TOKEN
		}
		if err := fs.Parse(rest); err != nil || fs.NArg() > 0 {
			t.Errorf("README: roster %s: %v %q", line, err, fs.Args())
			continue
		}
		if len(rest) == 0 {
			continue // the command named in prose, without its flags
		}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for _, n := range required {
			if !set[n] {
				t.Errorf("README: roster %s: without --%s, which the command needs", line, n)
			}
		}
	}
}

// TestHelpExitsZero: help that was asked for is no error.
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {}, {"org", "list", "--help"}, {"token", "rotate", "-h"}, {"serve", "-h"}} {
		out, errOut, code := runCLI(t, nil, args...)
		if code != 0 || !strings.Contains(out, "sage") {
			t.Errorf("roster %v: exit %d, stdout %q, stderr %q; want 0 and the help on stdout", args, code, out, errOut)
		}
	}
	if _, errOut, code := runCLI(t, nil, "org", "list", "--bogus"); code != 2 || !strings.Contains(errOut, "-bogus") {
		t.Errorf("roster org list --bogus: exit %d, %q; want 2", code, errOut)
	}
}
