package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// clusterDoc is what the checks read of docs/CLUSTER.md's shell blocks
// (```sh): the Secret its kubectl command creates, its docker builds, the
// files of deploy/ it names and the lamport commands it runs.
type clusterDoc struct {
	secrets []docSecret
	builds  []docBuild
	paths   []string
	calls   []lamportCall
}

type docSecret struct{ namespace, name, key string }

type docBuild struct{ file, tag string }

func (d clusterDoc) createsSecret(name, key string) bool {
	for _, s := range d.secrets {
		if s.name == name && s.key == key {
			return true
		}
	}
	return false
}

func (d clusterDoc) secretSummary() string {
	if len(d.secrets) == 0 {
		return "none"
	}
	var parts []string
	for _, s := range d.secrets {
		parts = append(parts, fmt.Sprintf("key %q of %q", s.key, s.name))
	}
	return strings.Join(parts, ", ")
}

// shellBlocks returns the body and first line of each ```sh block.
func shellBlocks(md string) (bodies []string, lines []int) {
	in, start := false, 0
	var cur []string
	for i, l := range strings.Split(md, "\n") {
		switch {
		case !in && strings.TrimSpace(l) == "```sh":
			in, start, cur = true, i+2, nil
		case in && strings.HasPrefix(l, "```"):
			bodies, lines = append(bodies, strings.Join(cur, "\n")), append(lines, start)
			in = false
		case in:
			cur = append(cur, l)
		}
	}
	return bodies, lines
}

func parseClusterDoc(p problems, md string) clusterDoc {
	var d clusterDoc
	bodies, lines := shellBlocks(md)
	if len(bodies) == 0 {
		p.add(secDocs, "docs/CLUSTER.md has no ```sh block")
	}
	for i, body := range bodies {
		where := fmt.Sprintf("docs/CLUSTER.md block at line %d", lines[i])
		f, err := parseShell(body, where, syntax.LangBash)
		if err != nil {
			p.add(secDocs, "%s: %v", where, err)
			continue
		}
		d.calls = append(d.calls, lamportCallsIn(where, f)...)
		for _, ce := range callExprs(f) {
			var words []string
			for _, w := range ce.Args {
				words = append(words, litPrefix(w))
				if s := litPrefix(w); strings.HasPrefix(s, "deploy/") && isLiteral(w) {
					d.paths = append(d.paths, s)
				}
			}
			switch {
			case len(words) > 4 && words[0] == "kubectl" && slices.Contains(words, "create") && slices.Contains(words, "secret"):
				d.secrets = append(d.secrets, secretsOf(words)...)
			case len(words) > 2 && words[0] == "docker" && words[1] == "build":
				d.builds = append(d.builds, docBuild{file: flagWord(words, "-f", "--file"), tag: flagWord(words, "-t", "--tag")})
			}
		}
	}
	return d
}

// secretsOf reads `kubectl -n NS create secret generic NAME
// --from-literal=KEY=...`: one docSecret per key.
func secretsOf(words []string) []docSecret {
	ns := flagWord(words, "-n", "--namespace")
	name := ""
	for i, w := range words {
		if w == "generic" && i+1 < len(words) {
			name = words[i+1]
		}
	}
	var out []docSecret
	for _, w := range words {
		if kv, ok := strings.CutPrefix(w, "--from-literal="); ok {
			key, _, _ := strings.Cut(kv, "=")
			out = append(out, docSecret{namespace: ns, name: name, key: key})
		}
	}
	return out
}

// flagWord is the value of a flag among words: "-n X", "--namespace X" or
// "--namespace=X".
func flagWord(words []string, names ...string) string {
	for i, w := range words {
		for _, n := range names {
			if w == n && i+1 < len(words) {
				return words[i+1]
			}
			if v, ok := strings.CutPrefix(w, n+"="); ok {
				return v
			}
		}
	}
	return ""
}

// checkDocs checks that docs/CLUSTER.md creates the Secret in the
// namespace of the manifests, builds the image the manifests run from the
// Dockerfile, and names only files of deploy/ that exist.
func checkDocs(p problems, b *bundle) {
	d := b.doc
	if len(d.secrets) == 0 {
		p.add(secDocs, "docs/CLUSTER.md gives no `kubectl create secret generic NAME --from-literal=KEY=...`")
	}
	for _, s := range d.secrets {
		if s.namespace != b.namespace() {
			p.add(secDocs, "docs/CLUSTER.md creates Secret %s in namespace %q, want %q", s.name, s.namespace, b.namespace())
		}
	}
	image := ""
	for _, w := range b.workloads() {
		for _, c := range w.tmpl.Spec.Containers {
			image = c.Image
		}
	}
	built := false
	for _, bd := range d.builds {
		if bd.file == "deploy/Dockerfile" && bd.tag == image {
			built = true
		}
	}
	if !built {
		p.add(secDocs, "docs/CLUSTER.md has no `docker build -f deploy/Dockerfile -t %s` (the image the manifests run); it has %v", image, d.builds)
	}
	for _, path := range d.paths {
		if _, err := os.Stat(filepath.Join("..", path)); err != nil {
			p.add(secDocs, "docs/CLUSTER.md names %s, which is not in the repository", path)
		}
	}
}
