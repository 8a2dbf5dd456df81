package main

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"strings"

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

// registerOwn is register for a command that starts every machine of its
// runs itself, and so can make up a secret when none is given.
func (f *secretFlag) registerOwn(fs *pflag.FlagSet) {
	f.register(fs)
	fs.Lookup("secret").Usage += ".\nWithout one, a random secret is made for the run and handed to its machines"
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

// resolveOrMake is resolve for a command that starts every machine of its
// runs itself: with no secret given it makes a random one, which costs the
// user nothing, since this process hands it to each machine. made says
// which.
func (f *secretFlag) resolveOrMake(fs *pflag.FlagSet) (secret []byte, made bool, err error) {
	secret, err = f.resolve(fs)
	if err != nil || secret != nil {
		return secret, false, err
	}
	var b [32]byte
	// crypto/rand never fails on the platforms Go supports.
	_, _ = rand.Read(b[:])
	// Hex, so that it passes through the environment of a machine process.
	return []byte(hex.EncodeToString(b[:])), true, nil
}

// loopbackHost reports whether host, a config's "host", names this
// computer's loopback interface only, so that nobody on another host can
// reach a machine listening there.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// secretSource says, for the log, where a run's secret came from.
func secretSource(made bool) string {
	if made {
		return "made for this run"
	}
	return "given"
}
