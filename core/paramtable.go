package core

import "fmt"

// Param is one model parameter as users name it. The CLI makes its flags
// (run, machine, sim, sweep), the keys of 'replay --set' and 'sweep
// --vary' and their help and errors from ParamTable, and ParseConfig reads
// its config key; Validate checks its bounds. A new parameter is one row
// here, its field in Params and the model code that uses it.
type Param struct {
	// Name is the flag, the --set key and the --vary key: "min-rate".
	Name string
	// ConfigKey is its key in a config document: "min_rate".
	ConfigKey string
	// Usage is the flag's help.
	Usage   string
	Default int
	// Min is the lowest valid value. Max is the highest, 0 for no bound of
	// its own. NotBelow names a parameter this one must not be below.
	Min, Max int
	NotBelow string
	Get      func(Params) int
	Set      func(*Params, int)
}

// ParamTable is every model parameter but the seed, in the order flags
// and the log header list them. Validate checks them in this order.
var ParamTable = []Param{
	{
		Name: "actions", ConfigKey: "actions", Default: DefaultActions, Min: 1,
		Usage: "die size on a tick with an empty queue: 1,2,3 send, the rest internal",
		Get:   func(p Params) int { return p.Actions },
		Set:   func(p *Params, v int) { p.Actions = v },
	},
	{
		Name: "min-rate", ConfigKey: "min_rate", Default: DefaultMinRate, Min: 1,
		Usage: "lowest tick rate a machine may draw, ticks per second",
		Get:   func(p Params) int { return p.MinRate },
		Set:   func(p *Params, v int) { p.MinRate = v },
	},
	{
		Name: "max-rate", ConfigKey: "max_rate", Default: DefaultMaxRate, Min: 1, Max: MaxRateLimit, NotBelow: "min-rate",
		Usage: "highest tick rate a machine may draw, ticks per second",
		Get:   func(p Params) int { return p.MaxRate },
		Set:   func(p *Params, v int) { p.MaxRate = v },
	},
}

// LookupParam returns the row of ParamTable called name.
func LookupParam(name string) (Param, bool) {
	for _, p := range ParamTable {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ParamNames are the names of ParamTable's rows in table order.
func ParamNames() []string {
	names := make([]string, len(ParamTable))
	for i, p := range ParamTable {
		names[i] = p.Name
	}
	return names
}

// check reports the first bound of d that v breaks in p.
func (d Param) check(p Params) error {
	v := d.Get(p)
	if d.NotBelow != "" {
		other, _ := LookupParam(d.NotBelow)
		if o := other.Get(p); v < o {
			return fmt.Errorf("%s (%d) must not be below %s (%d)", d.Name, v, other.Name, o)
		}
	}
	if v < d.Min {
		return fmt.Errorf("%s must be at least %d, got %d", d.Name, d.Min, v)
	}
	if d.Max != 0 && v > d.Max {
		return fmt.Errorf("%s must be at most %d, got %d", d.Name, d.Max, v)
	}
	return nil
}
