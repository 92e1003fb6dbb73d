// Command roster is the Roster server and its administration tool:
//
//	roster serve                      run the server
//	roster migrate                    apply database migrations and exit
//	roster org create|list            organizations
//	roster directory create|list      directories (one per identity provider)
//	roster token create|list|rotate|revoke
//
// Every command takes --db (env ROSTER_DB) and --base-url (env
// ROSTER_BASE_URL), before or after the command words; --json makes the
// output machine-readable.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand.
type command struct {
	words   string // "directory create"
	summary string
	run     func(ctx context.Context, c *cli, args []string) error
}

var commands = []command{
	{"serve", "run the server", cmdServe},
	{"migrate", "apply database migrations and exit", cmdMigrate},
	{"backup", "write a consistent copy of a SQLite database", cmdBackup},
	{"org create", "create an organization", cmdOrgCreate},
	{"org list", "list organizations", cmdOrgList},
	{"directory create", "create a directory and its first API token", cmdDirectoryCreate},
	{"directory list", "list an organization's directories", cmdDirectoryList},
	{"token create", "add an API token to a directory", cmdTokenCreate},
	{"token list", "list a directory's tokens", cmdTokenList},
	{"token rotate", "replace a token; the old one works for a grace period", cmdTokenRotate},
	{"token revoke", "end a token at once", cmdTokenRevoke},
	{"admin create", "add an admin to an organization (a password, or a one-time sign-in link)", cmdAdminCreate},
	{"admin signin-link", "make a new one-time sign-in link for an admin", cmdAdminSignInLink},
	{"admin password", "set (from stdin) or --remove an admin's password", cmdAdminPassword},
	{"admin list", "list an organization's admins", cmdAdminList},
	{"admin token create", "add an admin API token, for scripts and applications", cmdAdminTokenCreate},
	{"admin token list", "list admin tokens: API tokens, sign-in links, sessions", cmdAdminTokenList},
	{"admin token revoke", "end an admin token at once", cmdAdminTokenRevoke},
	{"domain add", "claim a domain; prints what to publish to prove it", cmdDomainAdd},
	{"domain verify", "check a domain's proof now (or verify it manually)", cmdDomainVerify},
	{"domain list", "list an organization's domains and their status", cmdDomainList},
	{"domain link", "let only one directory provision users on a domain", cmdDomainLink},
	{"domain remove", "give a domain up; its accounts become external", cmdDomainRemove},
	{"user show", "show a user: managed or external, directory, status", cmdUserShow},
	{"group create", "make a local group (one no directory provisions)", cmdGroupCreate},
	{"group add-member", "add a user of any directory to a local group", cmdGroupAddMember},
	{"group conflicts", "list synced groups named like a local group", cmdGroupConflicts},
	{"group link", "preview, then link, a synced group with its local namesake", cmdGroupLink},
	{"group unlink", "make a synced group local: its identity provider lets go of it", cmdUnlink("group")},
	{"user unlink", "make a synced user local: its identity provider lets go of it", cmdUnlink("user")},
	{"product create", "add a product (an application the organization runs)", cmdProductCreate},
	{"product list", "list products with how many users have access", cmdProductList},
	{"product default", "make every new managed account join a local group", cmdProductDefault},
	{"access grant", "give a group access to a product", cmdAccessGrant},
	{"access revoke", "take a group's access to a product away", cmdAccessRevoke},
	{"access list", "list the groups with access to a product, and counts", cmdAccessList},
	{"access check", "may this user use this product? with role and groups", cmdAccessCheck},
	{"bench", "load-test a SCIM base URL the way identity providers use it", cmdBench},
	{"version", "print the version", cmdVersion},
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// errUsage means the arguments were wrong; the usage has been printed.
var errUsage = errors.New("usage")

// run is main without the process: tests call it with their own arguments
// and output.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr}
	// Common flags may come before the command words; they are handed on
	// to the command's own flag set, which parses them with the rest.
	global := flag.NewFlagSet("roster", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	c.commonFlags(global)
	if err := global.Parse(args); err != nil {
		fmt.Fprintln(stderr, "roster:", err)
		usage(stderr)
		return 2
	}
	leading := args[:len(args)-len(global.Args())]
	cmd, rest := findCommand(global.Args())
	if cmd == nil {
		if len(rest) > 0 && rest[0] != "help" && rest[0] != "-h" && rest[0] != "--help" {
			fmt.Fprintf(stderr, "roster: unknown command %q\n\n", strings.Join(rest, " "))
			usage(stderr)
			return 2
		}
		usage(stdout)
		return 0
	}
	err := cmd.run(ctx, c, append(append([]string(nil), leading...), rest...))
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		return 2
	}
	fmt.Fprintln(stderr, "roster:", err)
	return 1
}

func findCommand(args []string) (*command, []string) {
	best := -1
	for i, cmd := range commands {
		words := strings.Fields(cmd.words)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == cmd.words {
			if best < 0 || len(words) > len(strings.Fields(commands[best].words)) {
				best = i
			}
		}
	}
	if best < 0 {
		return nil, args
	}
	return &commands[best], args[len(strings.Fields(commands[best].words)):]
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Roster: a self-hosted SCIM 2.0 user-provisioning hub.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: roster <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	sorted := append([]command(nil), commands...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].words < sorted[j].words })
	for _, cmd := range sorted {
		fmt.Fprintf(w, "  %-18s %s\n", cmd.words, cmd.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Every command takes --db DSN (default ./roster.db), --base-url URL and --config FILE.")
	fmt.Fprintln(w, "Every flag can also be set as an environment variable: --base-url as ROSTER_BASE_URL.")
	fmt.Fprintln(w, "Run 'roster <command> -h' for a command's flags.")
}

func cmdVersion(_ context.Context, c *cli, args []string) error {
	fs := c.newFlags("version")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "roster", version)
	return nil
}
