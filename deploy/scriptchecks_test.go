package deploy

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// checkScripts runs every container's script in a fake cluster with the
// stand-in lamport, pod by pod as the controllers would start them: each
// index of the Indexed Job, then its merge; each ordinal of the
// StatefulSet, then its merge. It checks what each pod ran: the shard and
// the machine id that its index or ordinal gives, that its stores are on
// volumes and distinct, and that each merge reads exactly the stores the
// pods before it wrote.
func checkScripts(p problems, b *bundle) {
	dir, err := os.MkdirTemp("", "lamport-deploy-pods-")
	if err != nil {
		p.add(secScripts, "%v", err)
		return
	}
	defer os.RemoveAll(dir)
	c, err := newFakeCluster(dir, b, false)
	if err != nil {
		p.add(secScripts, "%v", err)
		return
	}
	checkSweepScripts(p, b, c)
	checkMachineScripts(p, b, c)
}

func checkSweepScripts(p problems, b *bundle, c *fakeCluster) {
	j, m := b.job("sweep")
	if j == nil || j.Spec.Completions == nil {
		return
	}
	n := min(max(int(*j.Spec.Completions), 0), 64)
	var stores []string
	ids, seeds := map[string]bool{}, map[string]bool{}
	for k := range n {
		calls, out, err := c.runPod(podRun{
			name: fmt.Sprintf("%s-%d", j.Name, k), spec: &j.Spec.Template.Spec,
			env: map[string]string{"JOB_COMPLETION_INDEX": strconv.Itoa(k)},
		})
		if err != nil {
			p.add(secScripts, "%s index %d: %v\n%s", m, k, err, out)
			continue
		}
		sw := callsOf(calls, "sweep")
		if len(sw) != 1 {
			p.add(secSweep, "%s index %d: ran %d lamport sweep commands, want 1", m, k, len(sw))
			continue
		}
		a := sw[0]
		if got, want := flagValue(a, "--shard"), fmt.Sprintf("%d/%d", k+1, n); got != want {
			p.add(secSweep, "%s index %d: --shard %q, want %q: index k runs shard k+1 of the %d completions", m, k, got, want, n)
		}
		ids[flagValue(a, "--sweep-id")] = true
		seeds[flagValue(a, "--seed")] = true
		store := c.canon(flagValue(a, "--store"))
		switch {
		case !c.onVolume(store):
			p.add(secSweep, "%s index %d: --store %s is not on a volume, so it is lost with the pod", m, k, store)
		case slices.Contains(stores, store):
			p.add(secSweep, "%s index %d: --store %s is another index's store too", m, k, c.show(store))
		default:
			stores = append(stores, store)
		}
	}
	if len(ids) != 1 || ids[""] {
		p.add(secSweep, "%s: every shard needs the same --sweep-id, got %q", m, slices.Sorted(maps.Keys(ids)))
	}
	if len(seeds) != 1 || seeds[""] {
		p.add(secSweep, "%s: every shard needs the same --seed (a shard without one draws its own), got %q", m, slices.Sorted(maps.Keys(seeds)))
	}

	mj, mm := b.job("sweep-merge")
	if mj == nil || len(stores) != n {
		return
	}
	merge := podRun{name: mj.Name, spec: &mj.Spec.Template.Spec}
	calls, out, err := c.runPod(merge)
	if err != nil {
		p.add(secScripts, "%s: %v\n%s", mm, err, out)
		return
	}
	mergedTo := checkMerge(p, secSweep, mm.String(), c, calls, stores)
	tables := 0
	for _, a := range callsOf(calls, "sweep") {
		if flagValue(a, "--table") == "" {
			continue
		}
		tables++
		if id := flagValue(a, "--table"); !ids[id] {
			p.add(secSweep, "%s: --table %s, but the shards ran --sweep-id %v", mm, id, slices.Sorted(maps.Keys(ids)))
		}
		if st := c.canon(flagValue(a, "--store")); mergedTo != "" && st != mergedTo {
			p.add(secSweep, "%s: --table reads %s, not the merged store %s", mm, c.show(st), c.show(mergedTo))
		}
	}
	if tables != 1 {
		p.add(secSweep, "%s: printed %d sweep tables (lamport sweep --table ID), want 1", mm, tables)
	}

	// A merge of part of the sweep must be refused: its table would look
	// like the whole sweep's.
	if err := os.Remove(stores[0]); err != nil {
		p.add(secScripts, "%v", err)
		return
	}
	calls, _, err = c.runPod(merge)
	if err == nil || len(callsOf(calls, "merge")) > 0 {
		p.add(secSweep, "%s: merged although the store of shard 1 (%s) was missing; it must refuse a part of the sweep", mm, c.show(stores[0]))
	}
}

// checkMerge checks a merge pod's one lamport merge: it reads exactly the
// stores want, into a store on a volume, which it returns.
func checkMerge(p problems, section, where string, c *fakeCluster, calls [][]string, want []string) string {
	merges := callsOf(calls, "merge")
	if len(merges) != 1 || len(merges[0]) < 3 {
		p.add(section, "%s: ran %d lamport merge commands, want 1 with OUT and IN", where, len(merges))
		return ""
	}
	out := c.canon(merges[0][1])
	if !c.onVolume(out) {
		p.add(section, "%s: merges into %s, which is not on a volume", where, out)
	}
	var got []string
	for _, in := range merges[0][2:] {
		got = append(got, c.canon(in))
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		p.add(section, "%s: merges %s, want the stores the pods wrote: %s", where, c.showAll(got), c.showAll(want))
	}
	for _, a := range calls {
		if st := flagValue(a, "--store"); a[0] != "merge" && st != "" && c.canon(st) != out {
			p.add(section, "%s: lamport %s reads %s, not the merged store %s", where, a[0], c.show(c.canon(st)), c.show(out))
		}
	}
	return out
}

func (c *fakeCluster) showAll(paths []string) string {
	var s []string
	for _, p := range paths {
		s = append(s, c.show(p))
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func checkMachineScripts(p problems, b *bundle, c *fakeCluster) {
	s, m := b.statefulSet("machine")
	if s == nil {
		return
	}
	cm, key, _ := liveConfig(s, b)
	if cm != nil && key != "" {
		checkConfigWithLamport(p, cm.Name, key, cm.Data[key])
	}
	var stores []string
	for k := range replicas(s) {
		claims := map[string]string{}
		for _, t := range s.Spec.VolumeClaimTemplates {
			claims[t.Name] = fmt.Sprintf("%s-%s-%d", t.Name, s.Name, k)
		}
		calls, out, err := c.runPod(podRun{name: fmt.Sprintf("%s-%d", s.Name, k), spec: &s.Spec.Template.Spec, claims: claims})
		if err != nil {
			p.add(secScripts, "%s ordinal %d: %v\n%s", m, k, err, out)
			continue
		}
		mc := callsOf(calls, "machine")
		if len(mc) != 1 {
			p.add(secLive, "%s ordinal %d: ran %d lamport machine commands, want 1", m, k, len(mc))
			continue
		}
		a := mc[0]
		if got, want := flagValue(a, "--id"), strconv.Itoa(k+1); got != want {
			p.add(secLive, "%s ordinal %d: --id %q, want %s: machine N runs in the pod of ordinal N-1, at the host the config gives it", m, k, got, want)
		}
		if cm != nil && key != "" {
			if got, want := c.canon(flagValue(a, "--config")), c.canon(filepath.Join(c.dir, "volumes", "configmap-"+cm.Name, key)); got != want {
				p.add(secLive, "%s ordinal %d: --config %s is not the ConfigMap's %s", m, k, c.show(got), key)
			}
		}
		store := c.canon(flagValue(a, "--store"))
		own := false
		for _, claim := range claims {
			own = own || strings.HasPrefix(store, c.volume("pvc", claim)+string(filepath.Separator))
		}
		switch {
		case !own:
			p.add(secLive, "%s ordinal %d: --store %s is not on the pod's own volume (%v)", m, k, c.show(store), claims)
		case slices.Contains(stores, store):
			p.add(secLive, "%s ordinal %d: --store %s is another pod's too", m, k, c.show(store))
		default:
			stores = append(stores, store)
		}
	}
	mj, mm := b.job("live-merge")
	if mj == nil || len(stores) != replicas(s) {
		return
	}
	calls, out, err := c.runPod(podRun{name: mj.Name, spec: &mj.Spec.Template.Spec})
	if err != nil {
		p.add(secScripts, "%s: %v\n%s", mm, err, out)
		return
	}
	checkMerge(p, secLive, mm.String(), c, calls, stores)
}

// checkConfigWithLamport has lamport itself read the ConfigMap's config,
// as every machine will: a simulation of it, recorded nowhere.
func checkConfigWithLamport(p problems, cm, key, text string) {
	f, err := os.CreateTemp("", "lamport-deploy-config-*.json")
	if err != nil {
		p.add(secLive, "%v", err)
		return
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		p.add(secLive, "%v", err)
		return
	}
	if out, err := runLamport("sim", "--config", f.Name(), "--duration", "1s", "--no-record", "--quiet"); err != nil {
		p.add(secLive, "ConfigMap %s key %s: lamport refuses the config: %v: %s", cm, key, err, strings.TrimSpace(out))
	}
}
