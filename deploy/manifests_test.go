package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// The sections of the checks. A problem names its section, so the test of
// the real files reports each section as a subtest.
const (
	secDecode   = "decode"   // every document decodes strictly into its API type
	secObjects  = "objects"  // names, namespace, labels, pods' resources, users and volumes
	secSweep    = "sweep"    // the Indexed Job of shards and the merge after it
	secLive     = "live"     // the StatefulSet, its Service, ConfigMap, Secret and merge
	secScripts  = "scripts"  // the containers' shell scripts, parsed and run with a stand-in lamport
	secImage    = "image"    // the Dockerfile
	secDocs     = "docs"     // what docs/CLUSTER.md tells the user to run
	secCommands = "commands" // every lamport command run exists and takes the flags given
)

var sections = []string{secDecode, secObjects, secSweep, secLive, secScripts, secImage, secDocs, secCommands}

// Files the checks read, by their path relative to deploy/. Manifests are
// every k8s/*.yaml; these are the others.
const (
	fileDockerfile = "Dockerfile"
	fileClusterDoc = "../docs/CLUSTER.md"
	fileParentMod  = "../go.mod"
)

// readFiles reads the files the checks look at, keyed by their path
// relative to deploy/ (the test's working directory).
func readFiles() (map[string]string, error) {
	paths, err := filepath.Glob(filepath.Join("k8s", "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, errors.New("no manifests in k8s/")
	}
	paths = append(paths, fileDockerfile, fileClusterDoc, fileParentMod)
	files := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		files[filepath.ToSlash(p)] = string(b)
	}
	return files, nil
}

// problems collects what the checks find, by section.
type problems map[string][]string

func (p problems) add(section, format string, args ...any) {
	p[section] = append(p[section], fmt.Sprintf(format, args...))
}

// all lists every problem as "section: text", sorted.
func (p problems) all() []string {
	var out []string
	for s, list := range p {
		for _, m := range list {
			out = append(out, s+": "+m)
		}
	}
	sort.Strings(out)
	return out
}

// manifest is one decoded document of a manifest file.
type manifest struct {
	file string // path relative to deploy/
	doc  int    // 1-based position of the document in its file
	kind string
	name string
	obj  metav1.Object
}

func (m manifest) String() string { return fmt.Sprintf("%s (%s %s)", m.file, m.kind, m.name) }

// apiTypes are the kinds a manifest may hold, by apiVersion and kind, each
// with the Go type of k8s.io/api it must decode into.
var apiTypes = map[string]func() metav1.Object{
	"v1/Namespace":             func() metav1.Object { return &corev1.Namespace{} },
	"v1/ConfigMap":             func() metav1.Object { return &corev1.ConfigMap{} },
	"v1/Secret":                func() metav1.Object { return &corev1.Secret{} },
	"v1/Service":               func() metav1.Object { return &corev1.Service{} },
	"v1/PersistentVolumeClaim": func() metav1.Object { return &corev1.PersistentVolumeClaim{} },
	"batch/v1/Job":             func() metav1.Object { return &batchv1.Job{} },
	"apps/v1/StatefulSet":      func() metav1.Object { return &appsv1.StatefulSet{} },
}

// decodeManifests decodes every document of every k8s/*.yaml in files, as
// the API server does with strict field validation: YAML with a key twice
// is refused, and so is a field the type does not have, or has in another
// case ("Replicas" for "replicas").
func decodeManifests(p problems, files map[string]string) []manifest {
	var names []string
	for name := range files {
		if strings.HasPrefix(name, "k8s/") && strings.HasSuffix(name, ".yaml") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var out []manifest
	for _, name := range names {
		out = append(out, decodeFile(p, name, files[name])...)
	}
	return out
}

func decodeFile(p problems, file, text string) []manifest {
	var out []manifest
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(text)))
	for n := 1; ; n++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			p.add(secDecode, "%s: %v", file, err)
			return out
		}
		js, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			p.add(secDecode, "%s document %d: %v", file, n, err)
			continue
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue // comments only
		}
		var tm metav1.TypeMeta
		if err := json.Unmarshal(js, &tm); err != nil {
			p.add(secDecode, "%s document %d: %v", file, n, err)
			continue
		}
		newObj, ok := apiTypes[tm.APIVersion+"/"+tm.Kind]
		if !ok {
			p.add(secDecode, "%s document %d: %s %s is not a kind this deployment uses (%s)", file, n, tm.APIVersion, tm.Kind, strings.Join(slices.Sorted(maps.Keys(apiTypes)), ", "))
			continue
		}
		obj := newObj()
		strict, err := sigsjson.UnmarshalStrict(js, obj)
		if err != nil {
			p.add(secDecode, "%s document %d (%s): %v", file, n, tm.Kind, err)
			continue
		}
		for _, e := range strict {
			p.add(secDecode, "%s document %d (%s): %v", file, n, tm.Kind, e)
		}
		if len(strict) > 0 {
			continue
		}
		out = append(out, manifest{file: file, doc: n, kind: tm.Kind, name: obj.GetName(), obj: obj})
	}
}

// bundle is everything the checks read: the files' text, the decoded
// manifests, and what docs/CLUSTER.md says.
type bundle struct {
	files     map[string]string
	manifests []manifest
	doc       clusterDoc
}

func newBundle(p problems, files map[string]string) *bundle {
	b := &bundle{files: files, manifests: decodeManifests(p, files)}
	b.doc = parseClusterDoc(p, files[fileClusterDoc])
	return b
}

// component is the app.kubernetes.io/component label: the role of an
// object in this deployment.
const componentLabel = "app.kubernetes.io/component"

// job returns the Job whose component is role, or nil.
func (b *bundle) job(role string) (*batchv1.Job, manifest) {
	for _, m := range b.manifests {
		if j, ok := m.obj.(*batchv1.Job); ok && j.Labels[componentLabel] == role {
			return j, m
		}
	}
	return nil, manifest{}
}

func (b *bundle) statefulSet(role string) (*appsv1.StatefulSet, manifest) {
	for _, m := range b.manifests {
		if s, ok := m.obj.(*appsv1.StatefulSet); ok && s.Labels[componentLabel] == role {
			return s, m
		}
	}
	return nil, manifest{}
}

func (b *bundle) service(name string) *corev1.Service {
	for _, m := range b.manifests {
		if s, ok := m.obj.(*corev1.Service); ok && s.Name == name {
			return s
		}
	}
	return nil
}

func (b *bundle) configMap(name string) *corev1.ConfigMap {
	for _, m := range b.manifests {
		if c, ok := m.obj.(*corev1.ConfigMap); ok && c.Name == name {
			return c
		}
	}
	return nil
}

func (b *bundle) pvc(name string) *corev1.PersistentVolumeClaim {
	for _, m := range b.manifests {
		if c, ok := m.obj.(*corev1.PersistentVolumeClaim); ok && c.Name == name {
			return c
		}
	}
	return nil
}

// namespace is the name of the one Namespace manifest, or "".
func (b *bundle) namespace() string {
	for _, m := range b.manifests {
		if _, ok := m.obj.(*corev1.Namespace); ok {
			return m.name
		}
	}
	return ""
}

// workload is a pod template of a Job or StatefulSet, with where it is.
type workload struct {
	m    manifest
	tmpl *corev1.PodTemplateSpec
	sts  *appsv1.StatefulSet // non-nil for a StatefulSet's template
}

func (b *bundle) workloads() []workload {
	var out []workload
	for _, m := range b.manifests {
		switch o := m.obj.(type) {
		case *batchv1.Job:
			out = append(out, workload{m: m, tmpl: &o.Spec.Template})
		case *appsv1.StatefulSet:
			out = append(out, workload{m: m, tmpl: &o.Spec.Template, sts: o})
		}
	}
	return out
}

// stsClaims returns the names of the claims a StatefulSet's
// volumeClaimTemplates make for its pods: <template>-<set>-<ordinal>.
func stsClaims(s *appsv1.StatefulSet) map[string]bool {
	out := map[string]bool{}
	n := replicas(s)
	for _, t := range s.Spec.VolumeClaimTemplates {
		for k := range n {
			out[fmt.Sprintf("%s-%s-%d", t.Name, s.Name, k)] = true
		}
	}
	return out
}

// replicas is a StatefulSet's replicas (1 when unset, as the API
// defaults it), bounded so that a broken manifest cannot make the checks
// start thousands of pods.
func replicas(s *appsv1.StatefulSet) int {
	if s.Spec.Replicas == nil {
		return 1
	}
	return min(max(int(*s.Spec.Replicas), 0), 64)
}
