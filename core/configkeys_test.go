package core_test

import (
	"os"
	"strings"
	"testing"

	"lamport/core"
)

// encoding/json keeps the last of two equal keys and matches names
// without regard to case; a config does neither. Each document below
// loads on a decoder that does (the tests of the valid twin say so), and
// ParseConfig must refuse it with one line naming the key and where it is.
func TestParseConfigRefusesDuplicateAndMiscasedKeys(t *testing.T) {
	two := `{"id": 1, "host": "h", "port": 1}, {"id": 2, "host": "h", "port": 2}`
	cases := []struct {
		name, doc string
		// want are the parts the error must contain: the key and its
		// position, counted from the document (byte index of the key's quote
		// + 1 on its line).
		want []string
	}{
		{"duplicate top-level key", `{"machines": [` + two + `], "seed": 1, "seed": 2}`,
			[]string{`"seed" appears twice at the top level`, "line 1, column 97"}},
		{"duplicate machines", "{\"machines\": [" + two + "],\n  \"machines\": [" + two + "]}",
			[]string{`"machines" appears twice`, "line 2, column 3"}},
		{"duplicate key inside a machine", "{\"machines\": [\n  {\"id\": 1, \"host\": \"h\", \"port\": 1},\n  {\"id\": 2, \"host\": \"h\", \"port\": 2, \"port\": 3}\n]}",
			[]string{`"port" appears twice in machines[1]`, "line 3, column 37"}},
		{"Machines", `{"Machines": [` + two + `]}`,
			[]string{`"Machines" at the top level must be written "machines"`, "line 1, column 2"}},
		{"a machine's key, miscased, at the top level", `{"ID": 1, "machines": [` + two + `]}`,
			[]string{`unknown field "ID" at the top level`, "line 1, column 2"}},
		{"ID", `{"machines": [{"ID": 1, "host": "h", "port": 1}, {"id": 2, "host": "h", "port": 2}]}`,
			[]string{`"ID" in machines[0] must be written "id"`, "line 1, column 16"}},
		{"Host", `{"machines": [{"id": 1, "host": "h", "port": 1}, {"id": 2, "Host": "h", "port": 2}]}`,
			[]string{`"Host" in machines[1] must be written "host"`, "line 1, column 60"}},
		{"duplicate after every other field", `{"machines": [` + two + `], "min_rate": 1, "max_rate": 2, "seed": 3, "actions": 4, "speed": 1, "duration": "1s", "seed": 5}`,
			[]string{`"seed" appears twice`}},
		{"a case variant and the key both", `{"machines": [` + two + `], "MACHINES": []}`,
			[]string{`"MACHINES" at the top level must be written "machines"`}},
		{"escaped duplicate", `{"machines": [` + two + `], "\u0073eed": 1, "seed": 2}`,
			[]string{`"seed" appears twice`}},
		{"nested duplicate", `{"machines": [{"id": 1, "host": "h", "port": 1}, {"id": 2, "host": {"a": 1, "a": 2}, "port": 2}]}`,
			[]string{`"a" appears twice in machines[1].host`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := core.ParseConfig([]byte(c.doc))
			if err == nil {
				t.Fatalf("accepted %s", c.doc)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

// The Kelvin sign (U+212A) folds to "k" as encoding/json matches names,
// and "ſ" (U+017F) to "s": a key spelt with either is a case variant too.
func TestParseConfigRefusesUnicodeCaseVariants(t *testing.T) {
	two := `{"id": 1, "host": "h", "port": 1}, {"id": 2, "host": "h", "port": 2}`
	for _, key := range []string{"\u017feed", "machine\u017f"} {
		doc := `{"` + key + `": 1, "machines": [` + two + `]}`
		if key == "machine\u017f" {
			doc = `{"` + key + `": [` + two + `]}`
		}
		_, err := core.ParseConfig([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), "must be written") {
			t.Errorf("%q: got %v, want a case-variant error", key, err)
		}
	}
}

// What is valid still loads: the repository's config.json, every field
// spelt as documented, and equal keys in different objects.
func TestParseConfigAcceptsDistinctKeys(t *testing.T) {
	shipped, err := os.ReadFile("../config.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{
		string(shipped),
		`{"machines": [{"id": 1, "host": "::1", "port": 0}, {"id": 2, "host": "::1", "port": 0}], "seed": 7, "actions": 4, "min_rate": 1, "max_rate": 2, "speed": 2.5, "duration": "10s"}`,
		"{\n  \"machines\": [\n    {\"id\": 1, \"host\": \"127.0.0.1\", \"port\": 5001},\n    {\"id\": 2, \"host\": \"127.0.0.1\", \"port\": 5002}\n  ]\n}\n",
	} {
		if _, err := core.ParseConfig([]byte(doc)); err != nil {
			t.Errorf("refused %s: %v", doc, err)
		}
	}
}
