package core_test

import (
	"strings"
	"testing"

	"lamport/core"
)

func TestParseConfigAcceptsTheShippedShape(t *testing.T) {
	cfg, err := core.ParseConfig([]byte(`{"machines": [
		{"id": 1, "host": "127.0.0.1", "port": 5001},
		{"id": 3, "host": "127.0.0.1", "port": 5003},
		{"id": 2, "host": "127.0.0.1", "port": 5002}], "actions": 4}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.IDs(); len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("IDs() = %v", got)
	}
	if m, _ := cfg.Machine(3); m.Addr() != "127.0.0.1:5003" {
		t.Fatalf("machine 3 addr %q", m.Addr())
	}
	if actions, ok := cfg.Params["actions"]; !ok || actions != 4 || len(cfg.Params) != 1 || cfg.Seed != nil {
		t.Fatalf("optional params not read: params %v seed %v", cfg.Params, cfg.Seed)
	}
}

func TestParseConfigErrors(t *testing.T) {
	cases := []struct{ name, doc, want string }{
		{"invalid json", `{"machines": [`, "invalid JSON"},
		{"syntax position", "{\n \"machines\": [}\n", "line 2"},
		{"duplicate ids", `{"machines":[{"id":1,"host":"h","port":1},{"id":1,"host":"h","port":2}]}`, "duplicate machine id 1"},
		{"missing port", `{"machines":[{"id":1,"host":"h"},{"id":2,"host":"h","port":2}]}`, `machines[0] (id 1): missing "port"`},
		{"missing id", `{"machines":[{"host":"h","port":1},{"id":2,"host":"h","port":2}]}`, `machines[0]: missing "id"`},
		{"zero id", `{"machines":[{"id":0,"host":"h","port":1},{"id":2,"host":"h","port":2}]}`, "positive"},
		{"negative id", `{"machines":[{"id":-3,"host":"h","port":1},{"id":2,"host":"h","port":2}]}`, "positive"},
		{"missing host", `{"machines":[{"id":1,"port":1},{"id":2,"host":"h","port":2}]}`, `missing "host"`},
		{"port range", `{"machines":[{"id":1,"host":"h","port":70000},{"id":2,"host":"h","port":2}]}`, "0..65535"},
		{"one machine", `{"machines":[{"id":1,"host":"h","port":1}]}`, "at least 2"},
		{"no machines key", `{"machine":[]}`, `line 1, column 2: unknown field "machine" at the top level`},
		{"unknown machine key", "{\"machines\":[{\"id\":1,\"host\":\"h\",\"port\":1},\n  {\"id\":2,\"host\":\"h\",\"port\":2,\"weight\":3}]}", `line 2, column 31: unknown field "weight" in machines[1]; want one of id, host, port`},
		{"unknown key before a number too large", `{"0":1e700}`, `line 1, column 2: unknown field "0"`},
		{"unknown key deeper is the decode's", `{"machines":[{"id":{"x":1},"host":"h","port":1}]}`, `"machines.id" must be`},
		{"missing machines", `{}`, `missing "machines"`},
		{"shared address", `{"machines":[{"id":1,"host":"h","port":9},{"id":2,"host":"h","port":9}]}`, "share the address"},
		{"trailing data", `{"machines":[{"id":1,"host":"h","port":1},{"id":2,"host":"h","port":2}]} {}`, "extra data"},
		{"string id", `{"machines":[{"id":"1","host":"h","port":1},{"id":2,"host":"h","port":2}]}`, "invalid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := core.ParseConfig([]byte(c.doc))
			if err == nil {
				t.Fatalf("accepted %s", c.doc)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

func TestFingerprintCoversMachinesAndParams(t *testing.T) {
	base := core.RingConfig(3, "127.0.0.1", 5001).Machines
	p := core.DefaultParams(7)
	fp := core.Fingerprint(base, p)
	reordered := []core.MachineSpec{base[2], base[0], base[1]}
	if core.Fingerprint(reordered, p) != fp {
		t.Fatal("fingerprint depends on the order machines are listed")
	}
	p2 := p
	p2.Seed = 8
	moved := core.RingConfig(3, "127.0.0.1", 6001).Machines
	for name, other := range map[string]string{
		"seed":    core.Fingerprint(base, p2),
		"address": core.Fingerprint(moved, p),
		"count":   core.Fingerprint(core.RingConfig(4, "127.0.0.1", 5001).Machines, p),
	} {
		if other == fp {
			t.Errorf("changing the %s kept the fingerprint %s", name, fp)
		}
	}
}
