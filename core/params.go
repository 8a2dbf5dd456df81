package core

// Defaults of the classic exercise.
const (
	DefaultActions = 10
	DefaultMinRate = 1
	DefaultMaxRate = 6
	// MaxRateLimit bounds the tick rate so interval arithmetic cannot overflow.
	MaxRateLimit = 1_000_000
)

// Params are the model's parameters. Together with the machine ids they fix
// every decision a machine makes, given the same inputs.
type Params struct {
	Seed uint64
	// Actions is the size of the die rolled on a tick with an empty queue:
	// 1 sends to the first peer, 2 to the second, 3 to every peer, and any
	// other value is an internal event. Actions >= 1.
	Actions int
	// MinRate and MaxRate bound a machine's tick rate in ticks per second:
	// 1 <= MinRate <= MaxRate <= MaxRateLimit.
	MinRate int
	MaxRate int
}

// DefaultParams returns the classic exercise's parameters with the given seed.
func DefaultParams(seed uint64) Params {
	p := Params{Seed: seed}
	for _, d := range ParamTable {
		d.Set(&p, d.Default)
	}
	return p
}

// Validate reports the first parameter that breaks its bounds in
// ParamTable.
func (p Params) Validate() error {
	for _, d := range ParamTable {
		if err := d.check(p); err != nil {
			return err
		}
	}
	return nil
}
