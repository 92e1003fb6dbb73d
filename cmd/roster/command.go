package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rosterhq/roster"
	"github.com/rosterhq/roster/usecases"
)

// A runner is one command. The command table (main.go) makes a fresh one
// for every run; exec, below, does everything around it.
type runner interface {
	// flags defines the command's own flags (the common ones are there
	// already) and returns the names of those it cannot do without.
	flags(fs *flag.FlagSet) (required []string)
	// run is the command itself, with its flags parsed and the store
	// open: it checks its input, applies the command's rules (lifetimes,
	// grace periods, ...) and calls the store. It is the one place per
	// command that holds rules, so it is what a use-case call replaces.
	// What it returns is printed; with an error as well, the result is
	// printed first (a failed check that still recorded its outcome).
	run(ctx context.Context, e *env) (output, error)
}

// preparer is a runner with settings to check, or to apply to the common
// ones, before the store opens (serve: its whole configuration, and
// whether SQLite commits are durable).
type preparer interface {
	prepare(c *cli) error
}

// argTaker is a runner with positional arguments (check URL TOKEN): exec
// hands it them, and hands the flags, wherever they stand, to the flag set.
type argTaker interface {
	takeArgs(args []string) error
}

// splitArgs separates positional arguments from flags (and their values)
// for an argTaker; "--" ends the flags.
func splitArgs(fs *flag.FlagSet, args []string) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return flags, append(positional, args[i+1:]...)
		case len(a) < 2 || a[0] != '-': // "-" is an argument (standard input)
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil { // the flag package reports it
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			flags, i = append(flags, args[i+1]), i+1
		}
	}
	return flags, positional
}

// noStore, embedded in a runner, says that the command needs no store:
// exec does not open one.
type noStore struct{}

func (noStore) needsNoStore() {}

// output is a command's typed result. --json prints the value itself as
// JSON (its json tags are the machine-readable contract); people get
// Text, aligned for reading.
type output interface {
	Text(w io.Writer)
}

// env is what a command's body works with: the common settings and output
// streams, and the store, open for the length of the command.
type env struct {
	*cli
	st store
}

// uc is the use cases on the command's store, built as the console and
// the admin API build theirs.
func (e *env) uc() *usecases.Set {
	return usecases.New(usecases.Config{Store: e.st})
}

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

// exec runs one command: it parses the flags, opens the store, runs the
// command's body, closes the store, and prints the result in the format
// asked for. It is the only place that does these things.
func (c *cli) exec(ctx context.Context, cmd *command, args []string) error {
	r := cmd.new()
	fs := c.newFlags(cmd.words)
	required := r.flags(fs)
	var positional []string
	taker, takes := r.(argTaker)
	if takes {
		args, positional = splitArgs(fs, args)
	}
	if err := c.parse(fs, args, required); err != nil {
		return err
	}
	if takes {
		if err := taker.takeArgs(positional); err != nil {
			return err
		}
	}
	if p, ok := r.(preparer); ok {
		if err := p.prepare(c); err != nil {
			return err
		}
	}
	e := &env{cli: c}
	if _, ok := r.(interface{ needsNoStore() }); !ok {
		st, err := c.openStore(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		e.st = st
	}
	out, err := r.run(ctx, e)
	if out != nil {
		if perr := c.print(out); perr != nil && err == nil {
			err = perr
		}
	}
	return err
}

// print writes a result as JSON (--json) or as text.
func (c *cli) print(out output) error {
	if c.json {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	out.Text(c.stdout)
	return nil
}

// errUsage means the arguments were wrong and the usage or the reason has
// been printed; errHelp that help was asked for and printed.
var (
	errUsage = errors.New("usage")
	errHelp  = errors.New("help")
)

// usageError is a wrong argument that a command finds itself (after the
// flags parsed): roster prints it and exits 2, as for a flag error.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// cliCtx names this tool as the actor of the changes it makes, for the
// audit trail.
func cliCtx(ctx context.Context) context.Context { return roster.WithActor(ctx, "cli") }

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
