package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The product's text is for its users: the README, docs/ and every --help
// must not speak the team's internal language, and every relative link
// must lead to a file of this repository.

// internalWords are phrases that mean something only inside the team.
var internalWords = regexp.MustCompile(`(?i)\bissues? #?\d+|yardstick|\bbench(mark)? rows?\b|\brows? of (the )?bench|\bTODO\b|\bFIXME\b|shared/DESIGN`)

func userDocs(t *testing.T) map[string]string {
	t.Helper()
	root := filepath.Join("..", "..")
	paths, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, filepath.Join(root, "README.md"))
	docs := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs[p] = string(b)
	}
	return docs
}

func TestUserTextHasNoInternalWords(t *testing.T) {
	texts := userDocs(t)
	_, top, _ := lamport(t, "--help")
	texts["lamport --help"] = top
	for _, c := range commands() {
		_, help, _ := lamport(t, c.name, "--help")
		texts["lamport "+c.name+" --help"] = help
	}
	for name, text := range texts {
		for i, line := range strings.Split(text, "\n") {
			if m := internalWords.FindString(line); m != "" {
				t.Errorf("%s:%d: %q is not for users: %s", name, i+1, m, line)
			}
		}
	}
	// The check itself must catch what it is for.
	for _, bad := range []string{"see issue 6", "the yardstick run", "bench rows", "../shared/DESIGN.md"} {
		if !internalWords.MatchString(bad) {
			t.Errorf("internalWords misses %q", bad)
		}
	}
}

// markdownLink finds [text](target) links; images too.
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

func TestDocLinksResolveInsideTheRepository(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for path, text := range userDocs(t) {
		for _, m := range markdownLink.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				// The project describes itself: it names other sites, but
				// links only to its own files.
				t.Errorf("%s: link %q leads outside the repository", path, target)
				continue
			}
			file, anchor, _ := strings.Cut(target, "#")
			resolved := path
			if file != "" {
				resolved = filepath.Join(filepath.Dir(path), file)
			}
			abs, err := filepath.Abs(resolved)
			if err != nil {
				t.Fatal(err)
			}
			if rel, err := filepath.Rel(root, abs); err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("%s: link %q leads outside the repository", path, target)
				continue
			}
			body, err := os.ReadFile(abs)
			if err != nil {
				if info, serr := os.Stat(abs); serr == nil && info.IsDir() {
					continue
				}
				t.Errorf("%s: link %q: %v", path, target, err)
				continue
			}
			if anchor != "" && strings.HasSuffix(abs, ".md") && !hasMarkdownAnchor(string(body), anchor) {
				t.Errorf("%s: link %q: no heading makes the anchor #%s", path, target, anchor)
			}
		}
	}
}

// hasMarkdownAnchor reports whether a heading of doc makes anchor the way
// GitHub does: lower case, punctuation dropped, spaces to hyphens.
func hasMarkdownAnchor(doc, anchor string) bool {
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
				b.WriteRune(r)
			}
		}
		if b.String() == anchor {
			return true
		}
	}
	return false
}

func TestAnchorRuleMatchesGitHub(t *testing.T) {
	doc := "# Reading, exporting and comparing runs\n## show: a run's events\n## Separate processes or hosts\n"
	for _, a := range []string{"show-a-runs-events", "separate-processes-or-hosts", "reading-exporting-and-comparing-runs"} {
		if !hasMarkdownAnchor(doc, a) {
			t.Errorf("anchor %q not found", a)
		}
	}
	if hasMarkdownAnchor(doc, "show") {
		t.Error("a partial anchor matched")
	}
}
