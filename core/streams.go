package core

// What a seed means: every random stream a run draws from, each named by
// its label (StreamRNG), its machine id (NewRNG) or the salt XORed into
// the seed before a per-link or per-machine label. They are part of the
// recordings' meaning: changing any of them changes what every seed does,
// so they live together here and the pinned trace hashes in replay's
// testdata fail when one moves.
//
// The machines' own streams, NewRNG(seed, id) for ids 1 and up, draw each
// machine's rate (Rate) and its dice (Machine.Tick).
const (
	// NetworkStream is the machine id whose NewRNG stream draws the
	// simulated network's latencies; no machine may have id 0.
	NetworkStream MachineID = 0
	// SwarmStream is the StreamRNG label from which Swarm draws a fault
	// mix.
	SwarmStream = 1
	// SimFaultStream is the StreamRNG label of the simulator's drops,
	// duplicates and spikes, drawn in the order messages are sent.
	SimFaultStream = 2
	// SimClogSalt salts the seed of the simulator's clog stream of link
	// (a, b), labelled a<<32 | b.
	SimClogSalt = 0x636C6F67 // "clog"
	// SimCrashSalt salts the seed of the simulator's random-crash stream of
	// machine id, labelled id.
	SimCrashSalt = 0x6372617368 // "crash"
	// LiveFaultSalt salts the seed of a live machine's stream of fault
	// draws (drops and delays), labelled by its id. Live decisions are
	// recorded, so they need not be reproducible; a seeded stream keeps
	// the global random source out.
	LiveFaultSalt = 0x6C697665 // "live"
)
