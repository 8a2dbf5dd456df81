package live

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"lamport/core"
	"lamport/record"
	"lamport/wire"
)

// Keys of a live run's Options that this package writes.
const (
	// OptionSecret is "yes" when the run's machines required a shared
	// secret of every connection. The secret itself is never recorded.
	OptionSecret = "secret"
	// OptionRejectedPrefix + the machine id is the key of that machine's
	// refused or dropped connections, as "reason=count" pairs sorted by
	// reason and separated by commas (e.g. "busy=1873,timeout=64"); absent
	// when there were none. Each machine has its own key, so the parts of
	// a run recorded by separate processes merge without a clash.
	OptionRejectedPrefix = "wire.rejected.m"
)

// FormatRejections renders a server's rejection counts as the value of an
// OptionRejectedPrefix key: "" when there are none.
func FormatRejections(counts map[wire.Reason]uint64) string {
	var b strings.Builder
	for _, r := range slices.Sorted(maps.Keys(counts)) {
		if counts[r] == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(r))
		b.WriteByte('=')
		b.WriteString(strconv.FormatUint(counts[r], 10))
	}
	return b.String()
}

// ParseRejections reads an OptionRejectedPrefix value back.
func ParseRejections(v string) (map[wire.Reason]uint64, error) {
	out := map[wire.Reason]uint64{}
	if v == "" {
		return out, nil
	}
	for pair := range strings.SplitSeq(v, ",") {
		reason, count, ok := strings.Cut(pair, "=")
		n, err := strconv.ParseUint(count, 10, 64)
		if !ok || reason == "" || err != nil {
			return nil, fmt.Errorf("rejection count %q: want reason=count", pair)
		}
		out[wire.Reason(reason)] = n
	}
	return out, nil
}

// RejectionsKey is the Options key of machine id's rejection counts.
func RejectionsKey(id core.MachineID) string {
	return OptionRejectedPrefix + strconv.FormatUint(uint64(id), 10)
}

// recordRejections writes each local machine's rejection counts into the
// run's Options, once its server has stopped, and logs them: a run that
// was probed or attacked says so in its metadata.
func recordRejections(st *record.Store, runID string, nodes []*node) error {
	counts := map[string]string{}
	for _, n := range nodes {
		stats := n.server.Stats()
		if v := FormatRejections(stats.Rejected); v != "" {
			counts[RejectionsKey(n.self)] = v
			slog.Warn("wire: connections were refused or dropped during the run",
				"machine", n.self, "counts", v, "peak_pending", stats.PeakPending)
		}
	}
	if len(counts) == 0 {
		return nil
	}
	if err := st.UpdateRun(runID, func(m *record.RunMeta) {
		m.Options = maps.Clone(m.Options)
		if m.Options == nil {
			m.Options = map[string]string{}
		}
		maps.Copy(m.Options, counts)
	}); err != nil {
		return fmt.Errorf("record refused connections: %w", err)
	}
	return nil
}
