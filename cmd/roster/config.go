package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3"
)

// Defaults of the common settings.
const (
	defaultDB   = "./roster.db"
	defaultAddr = "127.0.0.1:8080"
)

// commonFlags defines the flags every command takes.
func (c *cli) commonFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.db, "db", defaultDB, "database: a SQLite file path, or a postgres:// URL")
	fs.StringVar(&c.baseURL, "base-url", "", "public URL of Roster, used in directory base URLs (default http:// + the listen address)")
	fs.StringVar(&c.config, "config", "", `a configuration file of "flag value" lines, e.g. "db /var/lib/roster/roster.db"`)
}

// newFlags returns a command's flag set with the common flags and --json.
func (c *cli) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("roster "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	c.commonFlags(fs)
	fs.BoolVar(&c.json, "json", false, "print JSON instead of text")
	return fs
}

// parse reads the command's settings: from the command line first, then
// from ROSTER_* environment variables (ROSTER_BASE_URL for --base-url),
// then from the --config file, through github.com/peterbourgon/ff. Stray
// positional arguments are refused, and so are the required flags left
// empty. Help that was asked for (-h) goes to stdout and is errHelp; the
// usage after a wrong flag goes to stderr.
func (c *cli) parse(fs *flag.FlagSet, args []string, required []string) error {
	var usage bytes.Buffer
	fs.SetOutput(&usage)
	err := ff.Parse(fs, args, ff.WithEnvVarPrefix("ROSTER"), ff.WithConfigFileFlag("config"), ff.WithConfigFileParser(sharedConfig(fs)))
	fs.SetOutput(c.stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		io.Copy(c.stdout, &usage)
		return errHelp
	case err != nil && usage.Len() > 0: // the flag package said what was wrong
		io.Copy(c.stderr, &usage)
		return errUsage
	case err != nil:
		fmt.Fprintf(c.stderr, "%s: %v\n", fs.Name(), err)
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	for _, n := range required {
		if f := fs.Lookup(n); f != nil && f.Value.String() == "" {
			return fmt.Errorf("%s needs --%s", fs.Name(), n)
		}
	}
	return nil
}

// sharedConfig reads a configuration file of "flag value" lines
// (ff.PlainParser) that every command shares: a setting that belongs to
// another command (addr, log-format: serve's) is skipped, so one file serves
// them all; a setting no command knows is refused, so that a typo is not
// silently ignored. Environment variables need no such care: ff reads only
// those of the command's own flags.
func sharedConfig(fs *flag.FlagSet) ff.ConfigFileParser {
	return func(r io.Reader, set func(name, value string) error) error {
		var known map[string]bool
		return ff.PlainParser(r, func(name, value string) error {
			if fs.Lookup(name) != nil {
				return set(name, value)
			}
			if known == nil {
				known = allFlags()
			}
			if known[name] {
				return nil
			}
			return fmt.Errorf("config file setting %q is not a flag of any roster command", name)
		})
	}
}

// allFlags is the set of flag names of every command.
func allFlags() map[string]bool {
	names := map[string]bool{}
	for _, cmd := range commands {
		fs := (&cli{stdout: io.Discard, stderr: io.Discard}).newFlags(cmd.words)
		cmd.new().flags(fs)
		fs.VisitAll(func(f *flag.Flag) { names[f.Name] = true })
	}
	return names
}

// parseDuration reads Go durations plus whole days ("90d"), which is how
// people think of token lifetimes.
func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q: use e.g. 30m, 12h or 90d", s)
	}
	return d, nil
}
