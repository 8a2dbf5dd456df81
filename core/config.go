package core

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// MachineSpec is one machine of a config: where it listens.
type MachineSpec struct {
	ID   MachineID `json:"id"`
	Host string    `json:"host"`
	Port int       `json:"port"`
}

// Addr is host:port.
func (m MachineSpec) Addr() string {
	return joinHostPort(m.Host, m.Port)
}

// Config is the parsed config.json: the machines and, optionally, run
// parameters that flags may override. A nil pointer means "not set".
type Config struct {
	Machines []MachineSpec `json:"machines"`
	Seed     *uint64       `json:"seed,omitempty"`
	// Params are the model parameters the document sets, by the Name of
	// their ParamTable row; one it does not set is absent.
	Params   map[string]int `json:"-"`
	Speed    *float64       `json:"speed,omitempty"`
	Duration *string        `json:"duration,omitempty"`
}

// configDocType is what a config document decodes into: machines and
// seed, one *int per row of ParamTable under its ConfigKey, then speed and
// duration, so the decoder itself refuses an unknown key and names the key
// of a value of the wrong type. Optional keys are omitted when MarshalJSON
// writes a config that does not set them.
var configDocType = func() reflect.Type {
	field := func(name string, t reflect.Type, key string) reflect.StructField {
		return reflect.StructField{Name: name, Type: t, Tag: reflect.StructTag(`json:"` + key + `,omitempty"`)}
	}
	fields := []reflect.StructField{
		{Name: "Machines", Type: reflect.TypeFor[[]rawMachine](), Tag: `json:"machines"`},
		field("Seed", reflect.TypeFor[*uint64](), "seed"),
	}
	for i, p := range ParamTable {
		fields = append(fields, field("Param"+strconv.Itoa(i), reflect.TypeFor[*int](), p.ConfigKey))
	}
	fields = append(fields,
		field("Speed", reflect.TypeFor[*float64](), "speed"),
		field("Duration", reflect.TypeFor[*string](), "duration"))
	return reflect.StructOf(fields)
}()

// MarshalJSON writes c as a config document that ParseConfig reads back:
// the model parameters under their config keys.
func (c Config) MarshalJSON() ([]byte, error) {
	doc := reflect.New(configDocType).Elem()
	machines := make([]rawMachine, len(c.Machines))
	for i, m := range c.Machines {
		id, host, port := int64(m.ID), m.Host, m.Port
		machines[i] = rawMachine{ID: &id, Host: &host, Port: &port}
	}
	doc.FieldByName("Machines").Set(reflect.ValueOf(machines))
	doc.FieldByName("Seed").Set(reflect.ValueOf(c.Seed))
	for i, p := range ParamTable {
		if v, ok := c.Params[p.Name]; ok {
			doc.FieldByName("Param" + strconv.Itoa(i)).Set(reflect.ValueOf(&v))
		}
	}
	doc.FieldByName("Speed").Set(reflect.ValueOf(c.Speed))
	doc.FieldByName("Duration").Set(reflect.ValueOf(c.Duration))
	return json.Marshal(doc.Interface())
}

// rawMachine keeps pointers so a missing field can be told from a zero one.
type rawMachine struct {
	ID   *int64  `json:"id"`
	Host *string `json:"host"`
	Port *int    `json:"port"`
}

// ParseConfig reads and validates a config document. Unknown fields, keys
// that appear twice in one object and keys that differ from a field only
// in case are errors, so a typo is not silently ignored. A document over MaxConfigBytes
// or with more than MaxMachines machines is refused before it is decoded.
func ParseConfig(data []byte) (Config, error) {
	if len(data) > MaxConfigBytes {
		return Config{}, fmt.Errorf("config is over the limit of %d bytes (%d machines at most)", MaxConfigBytes, MaxMachines)
	}
	if n := countMachines(data, MaxMachines); n > MaxMachines {
		return Config{}, fmt.Errorf("more than %d machines; the limit is %d", MaxMachines, MaxMachines)
	}
	if err := checkConfigKeys(data); err != nil {
		return Config{}, err
	}
	doc := reflect.New(configDocType)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(doc.Interface()); err != nil {
		return Config{}, fmt.Errorf("invalid JSON: %w", describeJSONError(data, err))
	}
	if dec.More() {
		return Config{}, errors.New("invalid JSON: extra data after the config object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return Config{}, errors.New("invalid JSON: extra data after the config object")
	}
	raw := doc.Elem()
	machines := raw.FieldByName("Machines").Interface().([]rawMachine)
	if machines == nil {
		return Config{}, errors.New(`missing "machines"`)
	}
	cfg := Config{
		Seed:     raw.FieldByName("Seed").Interface().(*uint64),
		Speed:    raw.FieldByName("Speed").Interface().(*float64),
		Duration: raw.FieldByName("Duration").Interface().(*string),
	}
	// Checked even when a flag will override it: a config is valid or not
	// on its own.
	if cfg.Duration != nil {
		if d, err := time.ParseDuration(*cfg.Duration); err != nil || d < 0 {
			return Config{}, fmt.Errorf("\"duration\" must be a non-negative duration such as \"90s\" or \"5m\", got %q", *cfg.Duration)
		}
	}
	for i, p := range ParamTable {
		if v := raw.FieldByName("Param" + strconv.Itoa(i)).Interface().(*int); v != nil {
			if cfg.Params == nil {
				cfg.Params = map[string]int{}
			}
			cfg.Params[p.Name] = *v
		}
	}
	for i, m := range machines {
		where := "machines[" + strconv.Itoa(i) + "]"
		switch {
		case m.ID == nil:
			return Config{}, fmt.Errorf("%s: missing \"id\"", where)
		case *m.ID < 1 || *m.ID > math.MaxUint32:
			return Config{}, fmt.Errorf("%s: id must be a positive integer up to %d, got %d", where, uint32(math.MaxUint32), *m.ID)
		case m.Host == nil || *m.Host == "":
			return Config{}, fmt.Errorf("%s (id %d): missing \"host\"", where, *m.ID)
		case m.Port == nil:
			return Config{}, fmt.Errorf("%s (id %d): missing \"port\"", where, *m.ID)
		case *m.Port < 0 || *m.Port > 65535:
			return Config{}, fmt.Errorf("%s (id %d): port must be in 0..65535, got %d", where, *m.ID, *m.Port)
		}
		cfg.Machines = append(cfg.Machines, MachineSpec{ID: MachineID(*m.ID), Host: *m.Host, Port: *m.Port})
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Validate checks what every config must satisfy: at least two machines,
// unique ids, and no two machines on the same address (port 0, "any free
// port", may repeat).
func (c Config) Validate() error {
	if len(c.Machines) < 2 {
		return fmt.Errorf("need at least 2 machines, got %d", len(c.Machines))
	}
	ids := map[MachineID]bool{}
	addrs := map[string]MachineID{}
	for _, m := range c.Machines {
		if m.ID < 1 {
			return fmt.Errorf("machine id must be positive, got %d", m.ID)
		}
		if ids[m.ID] {
			return fmt.Errorf("duplicate machine id %d", m.ID)
		}
		ids[m.ID] = true
		if m.Port != 0 {
			if other, ok := addrs[m.Addr()]; ok {
				return fmt.Errorf("machines %d and %d share the address %s", other, m.ID, m.Addr())
			}
			addrs[m.Addr()] = m.ID
		}
	}
	return nil
}

// IDs returns the machine ids in ascending order.
func (c Config) IDs() []MachineID {
	ids := make([]MachineID, len(c.Machines))
	for i, m := range c.Machines {
		ids[i] = m.ID
	}
	slices.Sort(ids)
	return ids
}

// Leader is the config's lowest machine id (0 for no machines): the live
// driver's start leader, and the machine whose clock is a run's time axis
// (record.RunMeta.Reference).
func (c Config) Leader() MachineID {
	var lowest MachineID
	for _, m := range c.Machines {
		if lowest == 0 || m.ID < lowest {
			lowest = m.ID
		}
	}
	return lowest
}

// Machine returns the spec of machine id.
func (c Config) Machine(id MachineID) (MachineSpec, bool) {
	for _, m := range c.Machines {
		if m.ID == id {
			return m, true
		}
	}
	return MachineSpec{}, false
}

// RingConfig is n machines with ids 1..n on host, ports base, base+1, ...
// (base 0 gives every machine port 0, "any free port").
func RingConfig(n int, host string, base int) Config {
	c := Config{}
	for i := 1; i <= n; i++ {
		port := 0
		if base != 0 {
			port = base + i - 1
		}
		c.Machines = append(c.Machines, MachineSpec{ID: MachineID(i), Host: host, Port: port})
	}
	return c
}

// Fingerprint is a short stable hash of everything two machines must agree
// on to be part of one run: the machines (ids sorted, with addresses) and
// the model parameters. The handshake compares it.
func Fingerprint(machines []MachineSpec, p Params) string {
	sorted := slices.Clone(machines)
	slices.SortFunc(sorted, func(a, b MachineSpec) int { return int(a.ID) - int(b.ID) })
	h := sha256.New()
	fmt.Fprintf(h, "lamport/1 seed=%d actions=%d rate=%d..%d\n", p.Seed, p.Actions, p.MinRate, p.MaxRate)
	for _, m := range sorted {
		fmt.Fprintf(h, "%d %s\n", m.ID, m.Addr())
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func joinHostPort(host string, port int) string {
	if bytes.IndexByte([]byte(host), ':') >= 0 {
		return "[" + host + "]:" + strconv.Itoa(port)
	}
	return host + ":" + strconv.Itoa(port)
}

// describeJSONError adds the line and column to a syntax or type error.
func describeJSONError(data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case err == io.EOF:
		return errors.New("the document is empty; want a JSON object with \"machines\"")
	case err == io.ErrUnexpectedEOF:
		off, err = int64(len(data)), errors.New("unexpected end of the document")
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
		field := te.Field
		if field == "" {
			field = "value"
		}
		err = fmt.Errorf("%q must be %s, got a JSON %s", field, jsonKind(te.Type.Kind()), te.Value)
	}
	if off < 0 {
		return err
	}
	line, col := position(data, off)
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// position is the line and column, both from 1, of byte off of data.
func position(data []byte, off int64) (line, col int) {
	line, col = 1, 1
	for _, b := range data[:min(int(off), len(data))] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	}
	return "an object"
}
