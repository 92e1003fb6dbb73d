// Command roster is the Roster server and its administration tool:
//
//	roster serve                      run the server
//	roster migrate                    apply database migrations and exit
//	roster org create|list            organizations
//	roster directory create|list      directories (one per identity provider)
//	roster token create|list|rotate|revoke
//	...                               `roster help` lists them all
//
// Every command takes --db (env ROSTER_DB), --base-url (env ROSTER_BASE_URL)
// and --config, before or after the command words; --json makes the output
// machine-readable.
//
// The package is wiring: one file per command group (org.go, directory.go,
// token.go, ...), each command a struct whose run method holds its rules and
// returns a typed result; command.go is the one place that parses flags,
// owns the store's lifetime and prints results. It may depend on the domain
// (package roster), the stores, http/server (serve), http/urls and the small
// packages commands use; never on http/console or http/adminapi.
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

// command is one subcommand: its words, a line of help, and a constructor
// of its runner (fresh for every run, so that no flag value leaks from one
// run to the next).
type command struct {
	words   string // "directory create"
	summary string
	new     func() runner
}

var commands = []command{
	{"serve", "run the server", func() runner { return new(serveCmd) }},
	{"migrate", "apply database migrations and exit", func() runner { return new(migrateCmd) }},
	{"backup", "write a consistent copy of a SQLite database", func() runner { return new(backupCmd) }},
	{"org create", "create an organization", func() runner { return new(orgCreate) }},
	{"org list", "list organizations", func() runner { return new(orgList) }},
	{"directory create", "create a directory and its first API token", func() runner { return new(directoryCreate) }},
	{"directory list", "list an organization's directories", func() runner { return new(directoryList) }},
	{"directory deleted", "list a directory's deleted users and groups that can be restored", func() runner { return new(directoryDeleted) }},
	{"directory restore", "undo a mass deletion: restore what was deleted within --since", func() runner { return new(directoryRestore) }},
	{"directory policy", "show or set how long deletions stay restorable, and the mass-deletion threshold", func() runner { return new(directoryPolicy) }},
	{"user restore", "restore deleted users, with their groups", func() runner { return &resourceRestore{kind: "user"} }},
	{"group restore", "restore deleted groups, with their members and product access", func() runner { return &resourceRestore{kind: "group"} }},
	{"directory update", "change a directory's settings (--strict)", func() runner { return new(directoryUpdate) }},
	{"directory delete", "delete a directory with its users, groups and tokens (--confirm NAME); not restorable", func() runner { return new(directoryDelete) }},
	{"directory rename", "rename a directory (names are unique in the organization)", func() runner { return new(directoryRename) }},
	{"token create", "add an API token to a directory", func() runner { return new(tokenCreate) }},
	{"token list", "list a directory's tokens", func() runner { return new(tokenList) }},
	{"token rotate", "replace a token; the old one works for a grace period", func() runner { return new(tokenRotate) }},
	{"token revoke", "end a token at once", func() runner { return new(tokenRevoke) }},
	{"admin create", "add an admin to an organization (a password, or a one-time sign-in link)", func() runner { return new(adminCreate) }},
	{"admin signin-link", "make a new one-time sign-in link for an admin", func() runner { return new(adminSignInLink) }},
	{"admin password", "set (from stdin) or --remove an admin's password", func() runner { return new(adminPassword) }},
	{"admin list", "list an organization's admins", func() runner { return new(adminList) }},
	{"admin role", "make an admin an owner (manages admins) or an admin", func() runner { return new(adminRole) }},
	{"admin remove", "remove an admin, ending their sessions and tokens", func() runner { return new(adminRemove) }},
	{"admin token create", "add an admin API token, for scripts and applications", func() runner { return new(adminTokenCreate) }},
	{"admin token list", "list admin tokens: API tokens, sign-in links, sessions", func() runner { return new(adminTokenList) }},
	{"admin token revoke", "end an admin token at once", func() runner { return new(adminTokenRevoke) }},
	{"domain add", "claim a domain; prints what to publish to prove it", func() runner { return new(domainAdd) }},
	{"domain verify", "check a domain's proof now (or verify it manually)", func() runner { return new(domainVerify) }},
	{"domain list", "list an organization's domains and their status", func() runner { return new(domainList) }},
	{"domain link", "let only one directory provision users on a domain", func() runner { return new(domainLink) }},
	{"domain remove", "give a domain up; its accounts become external", func() runner { return new(domainRemove) }},
	{"user show", "show a user: managed or external, directory, status", func() runner { return new(userShow) }},
	{"user unlink", "make a synced user local: its identity provider lets go of it", func() runner { return new(userUnlink) }},
	{"group create", "make a local group (one no directory provisions)", func() runner { return new(groupCreate) }},
	{"group add-member", "add a user of any directory to a local group", func() runner { return new(groupAddMember) }},
	{"group conflicts", "list synced groups named like a local group", func() runner { return new(groupConflicts) }},
	{"group link", "preview, then link, a synced group with its local namesake", func() runner { return new(groupLink) }},
	{"group rename", "rename a local group (names are unique among local groups)", func() runner { return new(groupRename) }},
	{"group delete", "show what access deleting a local group takes, then (--yes) delete it", func() runner { return new(groupDelete) }},
	{"group unlink", "make a synced group local: its identity provider lets go of it", func() runner { return new(groupUnlink) }},
	{"product create", "add a product (an application the organization runs)", func() runner { return new(productCreate) }},
	{"product list", "list products with how many users have access", func() runner { return new(productList) }},
	{"product rename", "rename a product (names are unique in the organization; the key stays)", func() runner { return new(productRename) }},
	{"product delete", "show what access deleting a product takes, then (--yes) delete it", func() runner { return new(productDelete) }},
	{"product default", "make every new managed account join a local group", func() runner { return new(productDefault) }},
	{"access grant", "give a group access to a product", func() runner { return new(accessGrant) }},
	{"access revoke", "take a group's access to a product away", func() runner { return new(accessRevoke) }},
	{"access list", "list the groups with access to a product, and counts", func() runner { return new(accessList) }},
	{"access check", "may this user use this product? with role and groups", func() runner { return new(accessCheck) }},
	{"check", "run Entra ID's and Okta's request sequences against a SCIM base URL: roster check URL TOKEN", func() runner { return new(checkCmd) }},
	{"webhook create", "tell an application about changes: a signed webhook (secret shown once)", func() runner { return new(webhookCreate) }},
	{"webhook list", "list an organization's webhooks", func() runner { return new(webhookList) }},
	{"webhook update", "change a webhook's URL, events or directory", func() runner { return new(webhookUpdate) }},
	{"webhook rotate-secret", "a new signing secret; the old one signs alongside for a grace period", func() runner { return new(webhookRotate) }},
	{"webhook disable", "stop (or --enable) deliveries to a webhook", func() runner { return new(webhookDisable) }},
	{"webhook delete", "delete a webhook and its delivery log", func() runner { return new(webhookDelete) }},
	{"webhook send-test", "queue a test message to a webhook", func() runner { return new(webhookSendTest) }},
	{"webhook deliveries", "a webhook's delivery log: status, latency, response, attempts", func() runner { return new(webhookDeliveries) }},
	{"webhook resend", "queue a delivery again, same webhook-id", func() runner { return new(webhookResend) }},
	{"webhook replay", "deliver every event again from a sequence number on", func() runner { return new(webhookReplay) }},
	{"events list", "the change feed: an organization's events after --after (--follow to keep reading)", func() runner { return new(eventsList) }},
	{"events snapshot", "write a consistent snapshot of users, groups, memberships or access, and the seq to follow the feed from", func() runner { return new(eventsSnapshot) }},
	{"connector create", "provision an application over SCIM with a product's users (roster check runs first)", func() runner { return new(connectorCreate) }},
	{"connector list", "list an organization's connectors and their health", func() runner { return new(connectorList) }},
	{"connector show", "show a connector: settings, health, accepted check gaps", func() runner { return new(connectorShow) }},
	{"connector update", "change a connector's name, URL, token, on-revoke, dry-run or rate limit", func() runner { return new(connectorUpdate) }},
	{"connector pause", "stop a connector's automatic passes", func() runner { return new(connectorPause) }},
	{"connector resume", "resume a connector's passes (a full pass follows)", func() runner { return &connectorPause{resume: true} }},
	{"connector sync", "reconcile the application now: a full pass, in this process", func() runner { return new(connectorSync) }},
	{"connector preview", "what a sync would change now, sending nothing", func() runner { return &connectorSync{preview: true} }},
	{"connector resend", "push failed users (or the groups) again now, instead of at the next pass's retry", func() runner { return new(connectorResend) }},
	{"connector deliveries", "a connector's delivery log: request, status, attempts, latency, response", func() runner { return new(connectorDeliveries) }},
	{"connector delete", "delete a connector, its links and log (the application keeps its users)", func() runner { return new(connectorDelete) }},
	{"keygen", "write a new secret key (it seals webhook secrets and connector tokens)", func() runner { return new(keygen) }},
	{"keygen rotate", "put a new secret key at the top of a key file, keeping the older ones to open what they sealed", func() runner { return new(keygenRotate) }},
	{"rekey", "seal every webhook secret and connector token again with the key file's first key", func() runner { return new(rekey) }},
	{"bench", "load-test a SCIM base URL the way identity providers use it", func() runner { return new(benchCmd) }},
	{"version", "print the version", func() runner { return new(versionCmd) }},
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// run is main without the process: tests call it with their own arguments
// and output. It exits 0 on success and after help that was asked for, 2
// on wrong arguments (the usage or the reason has been printed), 1 when
// the command failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr}
	// Common flags may come before the command words; they are handed on
	// to the command's own flag set, which parses them with the rest.
	global := flag.NewFlagSet("roster", flag.ContinueOnError)
	global.SetOutput(io.Discard)
	c.commonFlags(global)
	if err := global.Parse(args); errors.Is(err, flag.ErrHelp) {
		usage(stdout)
		return 0
	} else if err != nil {
		fmt.Fprintln(stderr, "roster:", err)
		usage(stderr)
		return 2
	}
	leading := args[:len(args)-len(global.Args())]
	cmd, rest := findCommand(global.Args())
	if cmd == nil {
		if len(rest) > 0 && rest[0] != "help" {
			fmt.Fprintf(stderr, "roster: unknown command %q\n\n", strings.Join(rest, " "))
			usage(stderr)
			return 2
		}
		usage(stdout)
		return 0
	}
	err := c.exec(ctx, cmd, append(append([]string(nil), leading...), rest...))
	var bad usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &bad):
		fmt.Fprintln(stderr, "roster:", err)
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
		fmt.Fprintf(w, "  %-19s %s\n", cmd.words, cmd.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Every command takes --db DSN (default ./roster.db), --base-url URL and --config FILE.")
	fmt.Fprintln(w, "Every flag can also be set as an environment variable: --base-url as ROSTER_BASE_URL.")
	fmt.Fprintln(w, "Run 'roster <command> -h' for a command's flags.")
}

// versionCmd is `roster version`.
type versionCmd struct{ noStore }

func (*versionCmd) flags(*flag.FlagSet) []string { return nil }

func (*versionCmd) run(context.Context, *env) (output, error) { return versionResult{version}, nil }

type versionResult struct {
	Version string `json:"version"`
}

func (v versionResult) Text(w io.Writer) { fmt.Fprintln(w, "roster", v.Version) }
