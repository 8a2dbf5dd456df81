package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// The containers' scripts are run here as the kubelet would run them, on
// this host: sh -c SCRIPT (see podShell), in a directory that stands for
// the pod's file system. Each volume the pod mounts is a directory of the fake
// cluster, linked at its mount path: a claim is the same directory for
// every pod that mounts it (as the shared volume is), a StatefulSet's
// claim template gives each pod its own, and a ConfigMap is written out as
// files. The script's absolute paths are rewritten into the pod's
// directory, so a path outside every mount leads nowhere. The environment
// is the container's: fieldRefs and secretKeyRefs are resolved, and a
// Secret exists only if docs/CLUSTER.md creates it. An Indexed Job's pod
// gets JOB_COMPLETION_INDEX.
//
// lamport is either the stand-in (the test binary, which records each call
// and creates or checks the files it names, see fakeLamport) or the real
// binary.

// podShell is the shell that runs the pods' scripts: busybox's sh, the
// image's own, where busybox is installed, else the host's /bin/sh.
// LAMPORT_DEPLOY_BUSYBOX=1 requires busybox (CI installs it, see
// TestMain); =0 takes /bin/sh.
var podShell = func() []string {
	if p, err := exec.LookPath("busybox"); err == nil && os.Getenv("LAMPORT_DEPLOY_BUSYBOX") != "0" {
		return []string{p, "sh"}
	}
	return []string{"/bin/sh"}
}()

// fakeEnv names the file where the stand-in lamport records its calls; set,
// the test binary is the stand-in.
const fakeEnv = "LAMPORT_DEPLOY_FAKE_CALLS"

// fakeCommand is the test binary run by a script as lamport.
func fakeCommand(calls string, argv []string) int {
	if filepath.Base(argv[0]) != "lamport" {
		fmt.Fprintf(os.Stderr, "no stand-in for %s\n", argv[0])
		return 127
	}
	code := fakeLamport(calls, argv[1:])
	// Recorded when it ends, so a recorded call is a finished one.
	line, err := json.Marshal(argv[1:])
	if err == nil {
		err = appendLine(calls, line)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stand-in lamport:", err)
		return 2
	}
	return code
}

// fakeLamport does to the files what lamport would: a config must be
// there; a store that a command writes is created (in a directory that
// must exist), one it reads must be there.
func fakeLamport(calls string, args []string) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "stand-in lamport: "+format+"\n", a...)
		return 2
	}
	if len(args) == 0 {
		return fail("no command")
	}
	// Every path it is given must be in the fake cluster: a script whose
	// path missed the rewrite would otherwise touch this host's files.
	cluster := filepath.Dir(calls) + string(filepath.Separator)
	paths := []string{flagValue(args, "--config"), flagValue(args, "--store"), flagValue(args, "--log-dir")}
	if args[0] == "merge" {
		paths = append(paths, args[1:]...)
	}
	for _, p := range paths {
		if abs, err := filepath.Abs(p); p != "" && (err != nil || !strings.HasPrefix(abs, cluster)) {
			return fail("%s is outside the pod's file system", p)
		}
	}
	if cfg := flagValue(args, "--config"); cfg != "" {
		if st, err := os.Stat(cfg); err != nil || !st.Mode().IsRegular() {
			return fail("--config %s: not a file", cfg)
		}
	}
	create := func(path string) error {
		if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
			return fmt.Errorf("no directory %s to create %s in", filepath.Dir(path), path)
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		return f.Close()
	}
	store := flagValue(args, "--store")
	switch {
	case args[0] == "merge":
		if len(args) < 3 {
			return fail("merge needs OUT and IN")
		}
		for _, in := range args[2:] {
			if _, err := os.Stat(in); err != nil {
				return fail("merge: %v", err)
			}
		}
		if err := create(args[1]); err != nil {
			return fail("merge: %v", err)
		}
	case (args[0] == "sweep" && flagValue(args, "--table") == "") || args[0] == "machine" || args[0] == "run" || args[0] == "sim":
		if store == "" {
			return fail("%s without --store writes to the working directory", args[0])
		}
		if err := create(store); err != nil {
			return fail("%s: %v", args[0], err)
		}
	case store != "":
		if _, err := os.Stat(store); err != nil {
			return fail("%s: %v", args[0], err)
		}
	}
	return 0
}

func appendLine(path string, line []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// flagValue is the value of a flag among a command's arguments, given as
// "--flag value" or "--flag=value".
func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// fakeCluster is the directory that stands for the cluster's volumes and
// pods.
type fakeCluster struct {
	dir    string
	b      *bundle
	binDir string
	calls  string // where the stand-in records its calls; "" with the real lamport
	// configs replaces the text of a ConfigMap's key ("name/key"), for a
	// real run on this host's loopback addresses.
	configs map[string]string
	secret  string
	pods    int
}

// newFakeCluster makes the fake cluster in dir, with the stand-in lamport,
// or the real one when real is set.
func newFakeCluster(dir string, b *bundle, real bool) (*fakeCluster, error) {
	c := &fakeCluster{dir: dir, b: b, binDir: filepath.Join(dir, "bin"), configs: map[string]string{}, secret: "a-secret-made-for-the-test"}
	if err := os.MkdirAll(c.binDir, 0o755); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	lamport := lamportBin
	if !real {
		lamport = self
		c.calls = filepath.Join(dir, "calls.jsonl")
	}
	return c, os.Symlink(lamport, filepath.Join(c.binDir, "lamport"))
}

// volume is the directory of a volume of the fake cluster, made if new.
func (c *fakeCluster) volume(kind, name string) string {
	d := filepath.Join(c.dir, "volumes", kind+"-"+name)
	_ = os.MkdirAll(d, 0o755)
	return d
}

// configMapDir writes a ConfigMap's keys as files, as a volume of it, for
// the first pod that mounts it.
func (c *fakeCluster) configMapDir(name string) (string, error) {
	cm := c.b.configMap(name)
	if cm == nil {
		return "", fmt.Errorf("ConfigMap %q does not exist", name)
	}
	d := filepath.Join(c.dir, "volumes", "configmap-"+name)
	if _, err := os.Stat(d); err == nil {
		return d, nil // written for an earlier pod; pods may be reading it
	}
	// Laid out as the kubelet does: each key a link into ..data, itself a
	// link to the directory that holds the files.
	d = c.volume("configmap", name)
	if err := os.Mkdir(filepath.Join(d, "..files"), 0o755); err != nil {
		return "", err
	}
	if err := os.Symlink("..files", filepath.Join(d, "..data")); err != nil {
		return "", err
	}
	for k, v := range cm.Data {
		if o, ok := c.configs[name+"/"+k]; ok {
			v = o
		}
		if err := os.WriteFile(filepath.Join(d, "..files", k), []byte(v), 0o644); err != nil {
			return "", err
		}
		if err := os.Symlink(filepath.Join("..data", k), filepath.Join(d, k)); err != nil {
			return "", err
		}
	}
	return d, nil
}

// canon resolves the links of a path a script named, so paths named
// through different pods' mounts compare equal.
func (c *fakeCluster) canon(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// show names a path of the fake cluster for a message: "volume
// pvc-lamport-data: /shard-0.db".
func (c *fakeCluster) show(p string) string {
	rel, err := filepath.Rel(filepath.Join(c.dir, "volumes"), p)
	if err != nil || strings.HasPrefix(rel, "..") {
		return p
	}
	vol, rest, _ := strings.Cut(rel, string(filepath.Separator))
	return "volume " + vol + ": /" + rest
}

func (c *fakeCluster) onVolume(p string) bool {
	return strings.HasPrefix(p, filepath.Join(c.dir, "volumes")+string(filepath.Separator))
}

// podRun is a pod to run: its name, spec, the claims of its StatefulSet's
// templates (volume name to claim) and what its controller sets in its
// environment.
type podRun struct {
	name   string
	spec   *corev1.PodSpec
	claims map[string]string
	env    map[string]string
}

// runningPod is a started pod: its shell and what it printed.
type runningPod struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start lays out the pod's directory and starts its container's script.
func (c *fakeCluster) start(pr podRun) (*runningPod, error) {
	if len(pr.spec.Containers) != 1 {
		return nil, fmt.Errorf("%d containers", len(pr.spec.Containers))
	}
	cont := pr.spec.Containers[0]
	script, _, ok := containerScript(cont)
	if !ok || script == "" {
		return nil, fmt.Errorf("container %s runs no /bin/sh -c script", cont.Name)
	}
	c.pods++
	root := filepath.Join(c.dir, "pods", fmt.Sprintf("%s.%d", pr.name, c.pods))
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	for _, vm := range cont.VolumeMounts {
		src, err := c.mountSource(pr, vm.Name)
		if err != nil {
			return nil, fmt.Errorf("mount %s at %s: %v", vm.Name, vm.MountPath, err)
		}
		link := filepath.Join(root, vm.MountPath)
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			return nil, err
		}
		if err := os.Symlink(src, link); err != nil {
			return nil, fmt.Errorf("mount %s at %s: %v", vm.Name, vm.MountPath, err)
		}
	}
	workDir := root
	if cont.WorkingDir != "" {
		workDir = filepath.Join(root, cont.WorkingDir)
		if err := os.MkdirAll(workDir, 0o755); err != nil {
			return nil, err
		}
	}
	env := []string{"PATH=" + c.binDir + ":/usr/bin:/bin", "HOME=" + root, "HOSTNAME=" + pr.name}
	for k, v := range pr.env {
		env = append(env, k+"="+v)
	}
	for _, e := range cont.Env {
		v, err := c.envValue(pr, e)
		if err != nil {
			return nil, fmt.Errorf("env %s: %v", e.Name, err)
		}
		env = append(env, e.Name+"="+v)
	}
	if c.calls != "" {
		env = append(env, fakeEnv+"="+c.calls)
	}
	cmd := exec.Command(podShell[0], append(podShell[1:], "-c", rewritePaths(script, root))...)
	cmd.Dir, cmd.Env = workDir, env
	// Its own process group, so that what the script started can be ended
	// with it, and no signal of the test's terminal reaches it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	rp := &runningPod{name: pr.name, cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = rp.out, rp.out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		rp.err = cmd.Wait()
		close(rp.done)
	}()
	return rp, nil
}

// wait waits for the pod's script to end, at most d; then its process
// group is killed.
func (rp *runningPod) wait(d time.Duration) error {
	select {
	case <-rp.done:
		return rp.err
	case <-time.After(d):
		rp.kill()
		<-rp.done
		return fmt.Errorf("pod %s: still running after %v: killed", rp.name, d)
	}
}

// kill ends every process the pod's script started.
func (rp *runningPod) kill() {
	_ = syscall.Kill(-rp.cmd.Process.Pid, syscall.SIGKILL)
}

// runPod runs a pod to its end and returns the lamport calls it made (with
// the stand-in) and what it printed. A pod of a StatefulSet (pr.claims
// set) does not end by itself after its run: once the stand-in has
// answered it is sent SIGTERM, as when the StatefulSet is deleted, and
// must then end, with status 0 or that of the signal.
func (c *fakeCluster) runPod(pr podRun) ([][]string, string, error) {
	if c.calls != "" {
		_ = os.Remove(c.calls)
	}
	rp, err := c.start(pr)
	if err != nil {
		return nil, "", err
	}
	stopped := false
	if pr.claims != nil && c.calls != "" {
		answered := func() bool {
			calls, _ := c.readCalls()
			return len(calls) > 0
		}
		select {
		case <-rp.done:
		case <-waitUntil(30*time.Second, answered):
			stopped = rp.cmd.Process.Signal(syscall.SIGTERM) == nil
		}
	}
	err = rp.wait(30 * time.Second)
	if code := exitCode(err); stopped && (code == 128+int(syscall.SIGTERM) || code == 130) {
		err = nil // ended by the SIGTERM, as it should
	}
	calls, rerr := c.readCalls()
	return calls, rp.out.String(), errors.Join(err, rerr)
}

// waitUntil returns a channel closed once cond holds, polled until d has
// passed.
func waitUntil(d time.Duration, cond func() bool) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		deadline := time.Now().Add(d)
		for !cond() && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		close(ch)
	}()
	return ch
}

func (c *fakeCluster) readCalls() ([][]string, error) {
	if c.calls == "" {
		return nil, nil
	}
	f, err := os.Open(c.calls)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var args []string
		if err := json.Unmarshal(sc.Bytes(), &args); err != nil {
			return nil, err
		}
		out = append(out, args)
	}
	return out, sc.Err()
}

func (c *fakeCluster) mountSource(pr podRun, volume string) (string, error) {
	if claim, ok := pr.claims[volume]; ok {
		return c.volume("pvc", claim), nil
	}
	for _, v := range pr.spec.Volumes {
		if v.Name != volume {
			continue
		}
		switch {
		case v.PersistentVolumeClaim != nil:
			claim := v.PersistentVolumeClaim.ClaimName
			if c.b.pvc(claim) == nil && !c.stsClaim(claim) {
				return "", fmt.Errorf("claim %q does not exist", claim)
			}
			return c.volume("pvc", claim), nil
		case v.ConfigMap != nil:
			return c.configMapDir(v.ConfigMap.Name)
		}
		return "", errors.New("neither a claim nor a ConfigMap")
	}
	return "", errors.New("the pod has no such volume")
}

func (c *fakeCluster) stsClaim(claim string) bool {
	for _, w := range c.b.workloads() {
		if w.sts != nil && stsClaims(w.sts)[claim] {
			return true
		}
	}
	return false
}

func (c *fakeCluster) envValue(pr podRun, e corev1.EnvVar) (string, error) {
	if e.ValueFrom == nil {
		return e.Value, nil
	}
	switch f := e.ValueFrom; {
	case f.FieldRef != nil && f.FieldRef.FieldPath == "metadata.name":
		return pr.name, nil
	case f.FieldRef != nil && f.FieldRef.FieldPath == "metadata.namespace":
		return c.b.namespace(), nil
	case f.SecretKeyRef != nil:
		if !c.b.doc.createsSecret(f.SecretKeyRef.Name, f.SecretKeyRef.Key) {
			return "", fmt.Errorf("Secret %q has no key %q (docs/CLUSTER.md creates %s)", f.SecretKeyRef.Name, f.SecretKeyRef.Key, c.b.doc.secretSummary())
		}
		return c.secret, nil
	case f.ConfigMapKeyRef != nil:
		cm := c.b.configMap(f.ConfigMapKeyRef.Name)
		if cm == nil {
			return "", fmt.Errorf("ConfigMap %q does not exist", f.ConfigMapKeyRef.Name)
		}
		return cm.Data[f.ConfigMapKeyRef.Key], nil
	}
	return "", errors.New("a source this test does not know")
}

// absPath finds the absolute paths of a script: "/data/x" in `rm "/data/x"`
// but not in "a/data/x" or "/stores/*/machine-1.db".
var absPath = regexp.MustCompile(`(^|[\s"'=<>(;|&:])/([A-Za-z][\w.-]*)`)

// rewritePaths puts root before every absolute path of the script but
// those of the system (/dev/null, /bin/...), so that the script reaches
// only the pod's directory: its mounts, and nothing where it mounts
// nothing, as in a container whose root file system is read-only.
func rewritePaths(script, root string) string {
	return absPath.ReplaceAllStringFunc(script, func(m string) string {
		sub := absPath.FindStringSubmatch(m)
		switch sub[2] {
		case "dev", "proc", "bin", "usr":
			return m
		}
		return sub[1] + root + "/" + sub[2]
	})
}

// callsOf picks a command's calls out of a pod's calls.
func callsOf(calls [][]string, cmd string) [][]string {
	var out [][]string
	for _, c := range calls {
		if len(c) > 0 && c[0] == cmd {
			out = append(out, c)
		}
	}
	return out
}
