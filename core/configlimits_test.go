package core_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"lamport/core"
)

func ringDoc(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"machines": [`)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"host":"h%d","port":%d}`, i, i, 1+i%65535)
	}
	b.WriteString("]}")
	return b.Bytes()
}

func TestConfigMachineLimitIsExact(t *testing.T) {
	cfg, err := core.ParseConfig(ringDoc(core.MaxMachines))
	if err != nil || len(cfg.Machines) != core.MaxMachines {
		t.Fatalf("%d machines: %d parsed, %v", core.MaxMachines, len(cfg.Machines), err)
	}
	for _, n := range []int{core.MaxMachines + 1, 300_000} {
		_, err := core.ParseConfig(ringDoc(n))
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("the limit is %d", core.MaxMachines)) {
			t.Fatalf("%d machines: %v", n, err)
		}
	}
	// The count is of the "machines" list only, whatever the key's case,
	// as encoding/json matches it.
	doc := bytes.Replace(ringDoc(core.MaxMachines+1), []byte(`"machines"`), []byte(`"MACHINES"`), 1)
	if _, err := core.ParseConfig(doc); err == nil || !strings.Contains(err.Error(), "the limit is") {
		t.Fatalf(`"MACHINES" over the limit: %v`, err)
	}
}

func TestConfigSizeLimit(t *testing.T) {
	doc := append([]byte(`{"machines": [], "duration": "`), bytes.Repeat([]byte("x"), core.MaxConfigBytes)...)
	_, err := core.ParseConfig(doc)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("limit of %d bytes", core.MaxConfigBytes)) {
		t.Fatalf("a %d-byte config: %v", len(doc), err)
	}
}
