package core_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"lamport/core"
)

// FuzzParseConfig: no document panics the loader; every error is one line;
// a document whose first JSON value is malformed (as a decode into any
// judges it) is reported with a line and column; whatever is accepted is
// valid JSON and a valid config within the limits that survives being
// written out and read back.
func FuzzParseConfig(f *testing.F) {
	for _, doc := range []string{
		`{"machines": [{"id": 1, "host": "127.0.0.1", "port": 5001}, {"id": 2, "host": "127.0.0.1", "port": 5002}, {"id": 3, "host": "127.0.0.1", "port": 5003}]}`,
		`{"machines": [{"id": 1, "host": "::1", "port": 0}, {"id": 2, "host": "::1", "port": 0}], "seed": 7, "actions": 4, "min_rate": 1, "max_rate": 2, "speed": 2.5, "duration": "10s"}`,
		`{"machines": [{"id": 1, "host": "h", "port": 1}, {"id": 1, "host": "h", "port": 2}]}`,
		`{"machines": [{"id": 1, "host": "h", "port": 9}, {"id": 2, "host": "h", "port": 9}]}`,
		`{"machines": [{"id": 0, "host": "h", "port": 1}, {"id": -1, "host": "h", "port": 65536}]}`,
		`{"machines": [{"id": 1e30, "host": "h", "port": 1}]}`,
		"{\n  \"machines\": [\n    {\"id\": 1,, }\n  ]\n}",
		`{"machines": [], "extra": true}`,
		`{"machines": null}`,
		`[]`,
		`{"machines": [{"id": 1, "host": "h", "port": 1}, {"id": 2, "host": "h", "port": 2}]} {}`,
		`{"machines": [{"id": 1, "host": "h", "port": 1}, {"id": 2, "host": "h", "port": 2, "port": 3}], "seed": 1, "seed": 2}`,
		`{"Machines": [{"ID": 1, "Host": "h", "port": 1}, {"id": 2, "host": "h", "PORT": 2}]}`,
		"",
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		cfg, err := core.ParseConfig(doc)
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line: %q", msg)
			}
			// When the first JSON value itself is malformed, whatever the
			// schema, the error must say where (or that there is nothing).
			var first any
			syntaxErr := json.NewDecoder(bytes.NewReader(doc)).Decode(&first)
			if syntaxErr != nil && len(doc) <= core.MaxConfigBytes && !strings.Contains(msg, "line ") && !strings.Contains(msg, "empty") {
				t.Fatalf("malformed JSON %q reported without a position: %q", doc, msg)
			}
			return
		}
		if !json.Valid(doc) {
			t.Fatalf("accepted malformed JSON %q", doc)
		}
		if n := len(cfg.Machines); n < 2 || n > core.MaxMachines {
			t.Fatalf("accepted %d machines", n)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted config fails Validate: %v", err)
		}
		for _, m := range cfg.Machines {
			if m.ID < 1 || m.Host == "" || m.Port < 0 || m.Port > 65535 {
				t.Fatalf("accepted machine %+v", m)
			}
		}
		again, err := json.Marshal(cfg)
		if err != nil {
			t.Fatalf("accepted config does not marshal: %v", err)
		}
		back, err := core.ParseConfig(again)
		if err != nil || !reflect.DeepEqual(back, cfg) {
			t.Fatalf("%s written out reads back as %+v, %v; want %+v", again, back, err, cfg)
		}
	})
}
