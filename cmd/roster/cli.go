package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/peterbourgon/ff/v3"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/storage/postgres"
	"github.com/rosterhq/roster/storage/sqlite"
	"github.com/rosterhq/roster/storage/sqlstore"
)

// Defaults of the common settings.
const (
	defaultDB   = "./roster.db"
	defaultAddr = "127.0.0.1:8080"
)

// cli holds what every command shares: where output goes and the common
// flags.
type cli struct {
	stdout, stderr io.Writer

	db      string
	baseURL string
	config  string
	json    bool
	// durable makes SQLite commits survive power loss (serve
	// --sqlite-durable).
	durable bool
}

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
// empty.
func (c *cli) parse(fs *flag.FlagSet, args []string, required ...string) error {
	err := ff.Parse(fs, args, ff.WithEnvVarPrefix("ROSTER"), ff.WithConfigFileFlag("config"), ff.WithConfigFileParser(ff.PlainParser))
	if errors.Is(err, flag.ErrHelp) {
		return errUsage
	}
	if err != nil {
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

// start parses a command's flags (see parse) and opens the store; the
// caller closes it.
func (c *cli) start(ctx context.Context, fs *flag.FlagSet, args []string, required ...string) (store, error) {
	if err := c.parse(fs, args, required...); err != nil {
		return nil, err
	}
	return c.openStore(ctx)
}

// store is what the commands need of a store beyond roster.Store.
type store interface {
	roster.Store
	Ping(ctx context.Context) error
}

// openStore opens the database c.db names and applies migrations.
func (c *cli) openStore(ctx context.Context) (store, error) {
	if isPostgres(c.db) {
		s, err := postgres.Open(ctx, c.db, postgres.Options{})
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", redactDSN(c.db), err)
		}
		return s, nil
	}
	var opts []sqlite.Option
	if c.durable {
		opts = append(opts, sqlite.Durable())
	}
	s, err := sqlite.Open(ctx, c.db, opts...)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", c.db, err)
	}
	return s, nil
}

var _ store = (*sqlstore.Store)(nil)

// redactDSN hides the password of a database URL before it is printed.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the database"
	}
	return u.Redacted()
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// publicURL is the base URL to print for directories when the server's
// own address is not known: --base-url, or the default listen address.
func (c *cli) publicURL() string {
	if c.baseURL != "" {
		return strings.TrimRight(c.baseURL, "/")
	}
	if addr := os.Getenv("ROSTER_ADDR"); addr != "" {
		return "http://" + addr
	}
	return "http://" + defaultAddr
}

// printJSON writes v as indented JSON.
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes aligned rows for people.
func (c *cli) table(rows [][]string) {
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

// labelled writes "  Label   value" lines, aligned.
func (c *cli) labelled(pairs ...string) {
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 3, ' ', 0)
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(tw, "  %s\t%s\n", pairs[i], pairs[i+1])
	}
	tw.Flush()
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

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func jsonTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}
