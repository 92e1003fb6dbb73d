package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rosterhq/roster/connectors"
	"github.com/rosterhq/roster/webhooks"
)

// keygen is `roster keygen --out FILE`: a new secret key, the one that
// seals webhook secrets and connector tokens (roster serve
// --secret-key-file FILE).
type keygen struct {
	noStore
	out string
}

func (cmd *keygen) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.out, "out", "", "the file to write a new key to (created with mode 0600; never overwritten)")
	return []string{"out"}
}

func (cmd *keygen) run(context.Context, *env) (output, error) {
	f, err := os.OpenFile(cmd.out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%s exists already: a new key would make the secrets sealed with the old one unreadable (roster keygen rotate --file %s adds one to it)", cmd.out, cmd.out)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(webhooks.NewKey()); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return keyWritten{File: cmd.out, Keys: 1}, nil
}

// keygenRotate is `roster keygen rotate --file FILE`: a new key at the top
// of an existing key file, where it seals from the next start, the older
// keys kept below it to open what they sealed (then roster rekey).
type keygenRotate struct {
	noStore
	file string
}

func (cmd *keygenRotate) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.file, "file", "", "the existing key file: a new key goes at its top, the older ones stay")
	return []string{"file"}
}

// run writes the file again with a new first line, through a temporary
// file renamed over it, so that a crash leaves the old file or the new
// one, never half of one.
func (cmd *keygenRotate) run(context.Context, *env) (output, error) {
	old, err := os.ReadFile(cmd.file)
	if err != nil {
		return nil, err
	}
	ring, err := webhooks.ParseKey(old)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd.file, err)
	}
	tmp := cmd.file + ".new"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = f.Write(append(webhooks.NewKey(), old...))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, cmd.file)
	}
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	return keyWritten{File: cmd.file, Keys: ring.Keys() + 1, Rotated: true}, nil
}

type keyWritten struct {
	File    string `json:"file"`
	Keys    int    `json:"keys"`
	Rotated bool   `json:"rotated"`
}

func (k keyWritten) Text(w io.Writer) {
	if k.Rotated {
		fmt.Fprintf(w, "A new key is at the top of %s (%d keys). Restart every node with it; the new key seals from then on, the older ones still open what they sealed. Then seal everything again with the new key and drop the old lines:\n  roster rekey --secret-key-file %s\n", k.File, k.Keys, k.File)
		return
	}
	fmt.Fprintf(w, "Secret key written to %s. Keep it with the database's backups, and start the server with:\n  roster serve --secret-key-file %s\n", k.File, k.File)
}

// rekey is `roster rekey`: every webhook secret and connector token sealed
// with an older key of the key file is sealed again with its first, so
// that the older lines can be removed.
type rekey struct{ keyFile string }

func (cmd *rekey) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.keyFile, "secret-key-file", os.Getenv("ROSTER_SECRET_KEY_FILE"), "the server's key file, the new key first (env ROSTER_SECRET_KEY_FILE)")
	return []string{"secret-key-file"}
}

func (cmd *rekey) run(ctx context.Context, e *env) (output, error) {
	keys, err := webhooks.LoadKey(cmd.keyFile)
	if err != nil {
		return nil, err
	}
	orgs, err := e.st.ListOrgs(ctx)
	if err != nil {
		return nil, err
	}
	hooks, conns := &webhooks.Service{Store: e.st, Keys: keys}, &connectors.Service{Store: e.st, Keys: keys}
	var out rekeyed
	for _, o := range orgs {
		n, err := hooks.Rekey(cliCtx(ctx), o.ID)
		out.Webhooks += n
		if err != nil {
			return nil, err
		}
		if n, err = conns.Rekey(cliCtx(ctx), o.ID); err != nil {
			return nil, err
		}
		out.Connectors += n
	}
	out.Keys = keys.Keys()
	return out, nil
}

type rekeyed struct {
	Webhooks   int `json:"webhooks"`
	Connectors int `json:"connectors"`
	Keys       int `json:"keys"`
}

func (r rekeyed) Text(w io.Writer) {
	fmt.Fprintf(w, "Sealed again with the first key: %d webhooks, %d connectors.", r.Webhooks, r.Connectors)
	if r.Keys > 1 {
		fmt.Fprint(w, " Everything now opens with the first key alone: the older lines of the key file can go (every node restarted without them).")
	}
	fmt.Fprintln(w)
}
