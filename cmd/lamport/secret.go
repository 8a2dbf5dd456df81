package main

import (
	"os"

	"github.com/spf13/pflag"
)

// secretEnv is the environment variable that holds the run's secret; it
// is preferred to --secret, whose value other users of the host can read
// in ps.
const secretEnv = "LAMPORT_SECRET"

// secretFlag is --secret, shared by the subcommands that listen.
type secretFlag struct {
	value string
}

func (f *secretFlag) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.value, "secret", "",
		"shared secret every machine of the run must prove (HMAC-SHA256 challenge-response; never sent or recorded).\n"+
			"The value is visible to other users in ps: prefer the "+secretEnv+" environment variable")
}

// resolve returns the secret from --secret, else from LAMPORT_SECRET, or
// nil for none. An empty --secret is a mistake worth stopping for: the run
// would go unprotected while its user believes otherwise.
func (f *secretFlag) resolve(fs *pflag.FlagSet) ([]byte, error) {
	if fs.Changed("secret") {
		if f.value == "" {
			return nil, usageErrorf("--secret is empty; give a secret, or leave the flag out for none")
		}
		return []byte(f.value), nil
	}
	if v, ok := os.LookupEnv(secretEnv); ok {
		if v == "" {
			return nil, usageErrorf("%s is set but empty; give a secret, or unset it for none", secretEnv)
		}
		return []byte(v), nil
	}
	return nil, nil
}
