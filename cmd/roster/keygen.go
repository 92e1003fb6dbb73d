package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rosterhq/roster/webhooks"
)

// keygen is `roster keygen --out FILE`: a new secret key, the one that
// seals webhook secrets (roster serve --secret-key-file FILE).
type keygen struct {
	noStore
	out string
}

func (cmd *keygen) flags(fs *flag.FlagSet) []string {
	fs.StringVar(&cmd.out, "out", "", "the file to write the key to (created with mode 0600; never overwritten)")
	return []string{"out"}
}

func (cmd *keygen) run(context.Context, *env) (output, error) {
	f, err := os.OpenFile(cmd.out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%s exists already: a new key would make the secrets sealed with the old one unreadable", cmd.out)
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
	return keyWritten{cmd.out}, nil
}

type keyWritten struct {
	File string `json:"file"`
}

func (k keyWritten) Text(w io.Writer) {
	fmt.Fprintf(w, "Secret key written to %s. Keep it with the database's backups, and start the server with:\n  roster serve --secret-key-file %s\n", k.File, k.File)
}
