package record

import "lamport/core"

// LogHeader is what the header of machine m's log file names of this run.
func (m RunMeta) LogHeader(machine MachineMeta) core.LogHeader {
	return core.LogHeader{
		RunID: m.ID, Seed: m.Seed, Machine: machine.ID, Rate: machine.Rate,
		Params: m.Params, Speed: m.Speed, Options: m.Options,
	}
}
