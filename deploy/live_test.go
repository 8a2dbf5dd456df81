package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
)

// The tests below run the pods' scripts with the real lamport: the machines
// of the StatefulSet on this host's loopback addresses, machine N on
// 127.0.0.N, each in its own pod directory with its own volume, then the
// merge Job on their stores. Only the config's hosts, port and duration
// are changed for that; the scripts are the manifests' own.

// liveSetup reads the real manifests and makes a fake cluster with the
// real lamport, whose ConfigMap puts the machines on loopback addresses
// for the given duration.
func liveSetup(t *testing.T, duration string) (*fakeCluster, *appsv1.StatefulSet, *batchv1.Job) {
	t.Helper()
	files, _ := checkRealFiles(t)
	b := newBundle(problems{}, files)
	s, _ := b.statefulSet("machine")
	j, _ := b.job("live-merge")
	if s == nil || j == nil {
		t.Fatal("no StatefulSet of machines or no Job live-merge")
	}
	cm, key, _ := liveConfig(s, b)
	if cm == nil {
		t.Fatal("the StatefulSet mounts no config")
	}
	n := replicas(s)
	var cfg map[string]any
	if err := json.Unmarshal([]byte(cm.Data[key]), &cfg); err != nil {
		t.Fatal(err)
	}
	machines, _ := cfg["machines"].([]any)
	if len(machines) != n {
		t.Fatalf("%d machines for %d replicas", len(machines), n)
	}
	port := freePort(t, n)
	for i, m := range machines {
		mm := m.(map[string]any)
		mm["host"], mm["port"] = fmt.Sprintf("127.0.0.%d", i+1), port
	}
	cfg["duration"] = duration
	text, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := newFakeCluster(t.TempDir(), b, true)
	if err != nil {
		t.Fatal(err)
	}
	c.configs[cm.Name+"/"+key] = string(text)
	return c, s, j
}

// freePort finds a TCP port free on 127.0.0.1 to 127.0.0.n.
func freePort(t *testing.T, n int) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		free := true
		for i := 2; i <= n; i++ {
			m, err := net.Listen("tcp", net.JoinHostPort(fmt.Sprintf("127.0.0.%d", i), strconv.Itoa(port)))
			if err != nil {
				free = false
				break
			}
			m.Close()
		}
		l.Close()
		if free {
			return port
		}
	}
	t.Fatal("no port free on every loopback address")
	return 0
}

// startMachines starts every pod of the StatefulSet at once, as
// podManagementPolicy Parallel does.
func startMachines(t *testing.T, c *fakeCluster, s *appsv1.StatefulSet) []*runningPod {
	t.Helper()
	var pods []*runningPod
	for k := range replicas(s) {
		claims := map[string]string{}
		for _, tmpl := range s.Spec.VolumeClaimTemplates {
			claims[tmpl.Name] = fmt.Sprintf("%s-%s-%d", tmpl.Name, s.Name, k)
		}
		rp, err := c.start(podRun{name: fmt.Sprintf("%s-%d", s.Name, k), spec: &s.Spec.Template.Spec, claims: claims})
		if err != nil {
			t.Fatal(err)
		}
		pods = append(pods, rp)
		t.Cleanup(func() {
			rp.kill()
			<-rp.done
		})
	}
	return pods
}

// exitCode is a finished script's exit status, -1 if it did not exit.
func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}

// waitFor waits until cond holds, at most d.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cond()
}

// mergeLive runs the merge Job on the machines' stores and wants the run
// merged whole and replayed identically.
func mergeLive(t *testing.T, c *fakeCluster, j *batchv1.Job, machines int) {
	t.Helper()
	_, out, err := c.runPod(podRun{name: j.Name, spec: &j.Spec.Template.Spec})
	if err != nil {
		t.Fatalf("the merge Job's script: %v\n%s", err, out)
	}
	t.Logf("the merge Job printed:\n%s", out)
	if !regexp.MustCompile(fmt.Sprintf(`(?m)^identical: %d machines`, machines)).MatchString(out) {
		t.Errorf("the merge Job's replay is not identical over %d machines:\n%s", machines, out)
	}
	if !strings.Contains(out, "complete") {
		t.Errorf("the merged run is not complete:\n%s", out)
	}
}

// TestLiveRunFromTheManifests runs the machines' pods to the end of a short
// run: each must say its run is complete and then idle, as a StatefulSet's
// pod must not exit; a SIGTERM then ends it with status 0. The merge Job's
// script then merges their stores and replays the run.
func TestLiveRunFromTheManifests(t *testing.T) {
	c, s, j := liveSetup(t, "2s")
	pods := startMachines(t, c, s)
	for _, rp := range pods {
		idle := waitFor(60*time.Second, func() bool {
			select {
			case <-rp.done:
				return true
			default:
			}
			return strings.Contains(rp.out.String(), "the run is complete")
		})
		select {
		case <-rp.done:
			t.Fatalf("pod %s ended (%v) instead of idling after its run:\n%s", rp.name, rp.err, rp.out.String())
		default:
		}
		if !idle {
			t.Fatalf("pod %s did not finish its 2 s run within a minute:\n%s", rp.name, rp.out.String())
		}
	}
	for _, rp := range pods {
		if err := rp.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := rp.wait(10 * time.Second); err != nil {
			t.Errorf("pod %s, idle, ended by SIGTERM: %v (want status 0)\n%s", rp.name, err, rp.out.String())
		}
	}
	mergeLive(t, c, j, len(pods))
}

// TestMachinesStopOnSIGTERM stops the machines' pods during a run, as
// deleting the StatefulSet does: the shell, PID 1 of the container, must
// pass the SIGTERM on to lamport, which records its part of the run as
// complete, and end with it. The merged run replays identically.
func TestMachinesStopOnSIGTERM(t *testing.T) {
	c, s, j := liveSetup(t, "1m")
	pods := startMachines(t, c, s)
	// Ticking: every machine has made its store, and two seconds have
	// passed.
	stores, _ := filepath.Glob(filepath.Join(c.dir, "volumes", "pvc-*", "machine-*.db"))
	ok := waitFor(60*time.Second, func() bool {
		stores, _ = filepath.Glob(filepath.Join(c.dir, "volumes", "pvc-*", "machine-*.db"))
		return len(stores) == len(pods)
	})
	if !ok {
		t.Fatalf("the machines made %d stores, want %d", len(stores), len(pods))
	}
	// A store is made before the machine connects; on loopback its peers
	// are there at once, and the run is recorded once they are.
	time.Sleep(2 * time.Second)
	for _, rp := range pods {
		if err := rp.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	for _, rp := range pods {
		// lamport machine ends with 0 when a signal stops it; the shell
		// ends with its status, or 143 (128 + SIGTERM) when it has
		// reaped the machine while its own wait was interrupted.
		err := rp.wait(30 * time.Second)
		if code := exitCode(err); code != 0 && code != 130 && code != 143 {
			t.Errorf("pod %s after SIGTERM: %v, want it to end with the machine\n%s", rp.name, err, rp.out.String())
		}
		if strings.Contains(rp.out.String(), "idle until") {
			t.Errorf("pod %s idles after a SIGTERM; it must end:\n%s", rp.name, rp.out.String())
		}
	}
	mergeLive(t, c, j, len(pods))
}

// TestSweepFromTheManifests runs the sweep's pods with the real lamport,
// each index of the Indexed Job, then the merge Job, on a smaller grid:
// the scripts are the manifests' own but for --runs and --duration.
func TestSweepFromTheManifests(t *testing.T) {
	for _, f := range shardFlags {
		if !lamportHelp.commands["sweep"][f] {
			t.Skipf("lamport sweep has no %s (TestSweepHasTheShardFlags fails for it)", f)
		}
	}
	files, _ := checkRealFiles(t)
	files = cloneFiles(files)
	small := regexp.MustCompile(`--runs \d+`)
	files["k8s/sweep-shards.yaml"] = small.ReplaceAllString(files["k8s/sweep-shards.yaml"], "--runs 2")
	short := regexp.MustCompile(`--duration \w+`)
	files["k8s/sweep-shards.yaml"] = short.ReplaceAllString(files["k8s/sweep-shards.yaml"], "--duration 10s")
	b := newBundle(problems{}, files)
	j, _ := b.job("sweep")
	mj, _ := b.job("sweep-merge")
	if j == nil || mj == nil || j.Spec.Completions == nil {
		t.Fatal("no Indexed Job sweep or no Job sweep-merge")
	}
	c, err := newFakeCluster(t.TempDir(), b, true)
	if err != nil {
		t.Fatal(err)
	}
	for k := range int(*j.Spec.Completions) {
		_, out, err := c.runPod(podRun{name: fmt.Sprintf("%s-%d", j.Name, k), spec: &j.Spec.Template.Spec, env: map[string]string{"JOB_COMPLETION_INDEX": strconv.Itoa(k)}})
		if err != nil {
			t.Fatalf("index %d: %v\n%s", k, err, out)
		}
	}
	_, out, err := c.runPod(podRun{name: mj.Name, spec: &mj.Spec.Template.Spec})
	if err != nil {
		t.Fatalf("the merge Job's script: %v\n%s", err, out)
	}
	if !strings.Contains(out, "| variant |") {
		t.Errorf("the merge Job printed no sweep table:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(c.dir, "volumes", "pvc-lamport-data", "all.db")); err != nil {
		t.Error(err)
	}
}

func cloneFiles(files map[string]string) map[string]string {
	out := make(map[string]string, len(files))
	for k, v := range files {
		out[k] = v
	}
	return out
}
