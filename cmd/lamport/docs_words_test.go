package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The product's text is for its users: the README, docs/ and every --help
// must not speak the team's internal language, and every relative link
// must lead to a file of this repository.

// internalWords reads testdata/internal_words.txt: the pattern of phrases
// that mean something only inside the team, and examples it must match.
func internalWords(t *testing.T) (*regexp.Regexp, []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "internal_words.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if len(lines) < 2 {
		t.Fatal("testdata/internal_words.txt: want a pattern and examples")
	}
	return regexp.MustCompile(lines[0]), lines[1:]
}

// goComments returns the comment lines of every Go file of the repository,
// keyed by file:line: the code's prose is read by the next engineer.
func goComments(t *testing.T) map[string]string {
	t.Helper()
	root := filepath.Join("..", "..")
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, l := range strings.Split(string(data), "\n") {
			if _, comment, ok := strings.Cut(l, "//"); ok {
				out[path+":"+strconv.Itoa(i+1)] = comment
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

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
	words, examples := internalWords(t)
	for name, text := range texts {
		for i, line := range strings.Split(text, "\n") {
			if m := words.FindString(line); m != "" {
				t.Errorf("%s:%d: %q is not for users: %s", name, i+1, m, line)
			}
		}
	}
	for where, comment := range goComments(t) {
		if m := words.FindString(comment); m != "" {
			t.Errorf("%s: %q is the team's word, not the code's: %s", where, m, comment)
		}
	}
	// The check itself must catch what it is for.
	for _, bad := range examples {
		if !words.MatchString(bad) {
			t.Errorf("the internal-words pattern misses %q", bad)
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
			if strings.HasPrefix(target, "../") {
				// A page of docs/ links to its neighbours; the code it
				// speaks of is named, so no link climbs out of docs/.
				t.Errorf("%s: link %q climbs out of its folder", path, target)
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
