package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rosterhq/roster/check"
)

// checkCmd is `roster check URL TOKEN`: it talks to a SCIM server the way
// Entra ID and Okta do, not to the database.
type checkCmd struct {
	noStore
	only       string
	keep       bool
	url, token string
}

func (cmd *checkCmd) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.only, "only", "", "run one sequence: entra, okta or rfc (default: all three)")
	fs.BoolVar(&cmd.keep, "keep", false, "leave the users and groups the checks create on the server")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: roster check URL TOKEN [--only entra|okta|rfc] [--json] [--keep]")
		fmt.Fprintln(fs.Output(), "\nURL is a SCIM base URL; TOKEN its bearer token, or - to read it from standard input.")
		fs.PrintDefaults()
	}
	return nil
}

func (cmd *checkCmd) takeArgs(args []string) error {
	if len(args) != 2 {
		return usagef("check needs a URL and a TOKEN (- reads the token from standard input): roster check URL TOKEN")
	}
	cmd.url, cmd.token = args[0], args[1]
	return nil
}

func (cmd *checkCmd) run(ctx context.Context, e *env) (output, error) {
	seq, err := check.ParseSequence(cmd.only)
	if err != nil {
		return nil, usagef("check --only: %v", err)
	}
	if cmd.token == "-" {
		if cmd.token, err = readToken(); err != nil {
			return nil, err
		}
	}
	rep, err := check.Run(ctx, check.Target{BaseURL: cmd.url, Token: cmd.token}, check.Options{Only: seq, Keep: cmd.keep})
	if err != nil {
		return nil, usagef("check: %v", err)
	}
	if !rep.OK() {
		return checkResult{rep}, fmt.Errorf("check: %d steps the identity providers need failed", rep.Failed)
	}
	return checkResult{rep}, nil
}

// readToken reads the token from the first line of standard input, so that
// it is neither in the shell's history nor in the process list.
func readToken() (string, error) {
	b, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return "", fmt.Errorf("read the token: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	if line = strings.TrimSpace(line); line == "" {
		return "", errors.New("no token on standard input")
	}
	return line, nil
}

// checkResult is the report: --json prints check.Report (which holds no
// token), people get its text.
type checkResult struct{ *check.Report }

func (c checkResult) Text(w io.Writer) { c.WriteText(w) }
