package deploy

import (
	"encoding/json"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// The labels every object and pod carries.
const nameLabel, appName = "app.kubernetes.io/name", "lamport"

// checkObjects checks what every manifest must have: a valid name, the
// namespace, the labels, no credential, and for every pod template the
// image, a non-root user, resources and volumes that exist.
func checkObjects(p problems, b *bundle) {
	ns := b.namespace()
	namespaces := 0
	for _, m := range b.manifests {
		if errs := validation.IsDNS1123Label(m.name); len(errs) > 0 {
			p.add(secObjects, "%s: name %q: %s", m, m.name, strings.Join(errs, "; "))
		}
		if _, ok := m.obj.(*corev1.Namespace); ok {
			namespaces++
		} else if m.obj.GetNamespace() != ns {
			p.add(secObjects, "%s: namespace %q, want the Namespace manifest's %q", m, m.obj.GetNamespace(), ns)
		}
		labels := m.obj.GetLabels()
		if labels[nameLabel] != appName || labels[componentLabel] == "" {
			p.add(secObjects, "%s: labels %v, want %s=%s and a %s", m, labels, nameLabel, appName, componentLabel)
		}
		if s, ok := m.obj.(*corev1.Secret); ok && (len(s.Data) > 0 || len(s.StringData) > 0) {
			p.add(secObjects, "%s: a Secret with a value in the repository; the user creates it with kubectl as docs/CLUSTER.md says", m)
		}
	}
	if namespaces != 1 {
		p.add(secObjects, "%d Namespace manifests, want 1", namespaces)
	}

	image := ""
	for _, w := range b.workloads() {
		where := w.m.String()
		pod := w.tmpl.Spec
		if l := w.tmpl.Labels; l[nameLabel] != appName || l[componentLabel] != w.m.obj.GetLabels()[componentLabel] {
			p.add(secObjects, "%s: pod labels %v, want %s=%s and the %s of the %s", where, l, nameLabel, appName, componentLabel, w.m.kind)
		}
		sc := pod.SecurityContext
		if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
			p.add(secObjects, "%s: the pod must set runAsNonRoot: true and a runAsUser other than 0", where)
		}
		switch {
		case w.sts != nil && pod.RestartPolicy != "" && pod.RestartPolicy != corev1.RestartPolicyAlways:
			p.add(secObjects, "%s: restartPolicy %s; a StatefulSet's pods restart Always", where, pod.RestartPolicy)
		case w.sts == nil && pod.RestartPolicy != corev1.RestartPolicyNever && pod.RestartPolicy != corev1.RestartPolicyOnFailure:
			p.add(secObjects, "%s: restartPolicy %q; a Job's pods need Never or OnFailure", where, pod.RestartPolicy)
		}
		if len(pod.Containers) != 1 || len(pod.InitContainers) > 0 {
			p.add(secObjects, "%s: %d containers and %d init containers, want one container", where, len(pod.Containers), len(pod.InitContainers))
		}
		volumes := map[string]corev1.Volume{}
		for _, v := range pod.Volumes {
			volumes[v.Name] = v
			checkVolumeSource(p, b, where, v)
		}
		templates := map[string]bool{}
		if w.sts != nil {
			for _, t := range w.sts.Spec.VolumeClaimTemplates {
				templates[t.Name] = true
			}
		}
		for _, c := range pod.Containers {
			cwhere := fmt.Sprintf("%s container %s", where, c.Name)
			if image == "" {
				image = c.Image
			}
			if c.Image != image || c.Image == "" {
				p.add(secObjects, "%s: image %q, want the one image of every container (%q)", cwhere, c.Image, image)
			}
			checkResources(p, cwhere, c.Resources)
			if c.SecurityContext == nil || c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
				p.add(secObjects, "%s: set allowPrivilegeEscalation: false", cwhere)
			}
			for _, vm := range c.VolumeMounts {
				if _, ok := volumes[vm.Name]; !ok && !templates[vm.Name] {
					p.add(secObjects, "%s: mounts volume %q, which the pod does not have", cwhere, vm.Name)
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					if strings.Contains(strings.ToUpper(e.Name), "SECRET") {
						p.add(secObjects, "%s: env %s has its value in the manifest; read it from a Secret", cwhere, e.Name)
					}
					continue
				}
				if r := e.ValueFrom.SecretKeyRef; r != nil && !b.doc.createsSecret(r.Name, r.Key) {
					p.add(secObjects, "%s: env %s reads key %q of Secret %q, which docs/CLUSTER.md does not create (it creates %s)", cwhere, e.Name, r.Key, r.Name, b.doc.secretSummary())
				}
			}
		}
	}
}

func checkVolumeSource(p problems, b *bundle, where string, v corev1.Volume) {
	switch {
	case v.PersistentVolumeClaim != nil:
		claim := v.PersistentVolumeClaim.ClaimName
		if b.pvc(claim) != nil {
			return
		}
		for _, w := range b.workloads() {
			if w.sts != nil && stsClaims(w.sts)[claim] {
				return
			}
		}
		p.add(secObjects, "%s: volume %s uses claim %q, which no manifest and no StatefulSet's volumeClaimTemplates make", where, v.Name, claim)
	case v.ConfigMap != nil:
		if b.configMap(v.ConfigMap.Name) == nil {
			p.add(secObjects, "%s: volume %s uses ConfigMap %q, which no manifest makes", where, v.Name, v.ConfigMap.Name)
		}
	default:
		p.add(secObjects, "%s: volume %s is neither a claim nor a ConfigMap", where, v.Name)
	}
}

// checkResources wants requests and limits of cpu and memory, each request
// at most its limit.
func checkResources(p problems, where string, r corev1.ResourceRequirements) {
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, hasReq := r.Requests[name]
		lim, hasLim := r.Limits[name]
		switch {
		case !hasReq || !hasLim:
			p.add(secObjects, "%s: wants a request and a limit of %s", where, name)
		case req.Cmp(lim) > 0:
			p.add(secObjects, "%s: %s request %s is above its limit %s", where, name, req.String(), lim.String())
		case req.Sign() <= 0:
			p.add(secObjects, "%s: %s request %s", where, name, req.String())
		}
	}
	if m, ok := r.Limits[corev1.ResourceMemory]; ok && m.Cmp(resource.MustParse("16Mi")) < 0 {
		p.add(secObjects, "%s: a memory limit of %s is too small for lamport", where, m.String())
	}
}

// checkSweep checks the Indexed Job of the shards and the Job that merges
// them, as far as the API types say; checkSweepScripts runs their scripts.
func checkSweep(p problems, b *bundle) {
	j, m := b.job("sweep")
	if j == nil {
		p.add(secSweep, "no Job with %s=sweep (the shards)", componentLabel)
		return
	}
	if j.Spec.CompletionMode == nil || *j.Spec.CompletionMode != batchv1.IndexedCompletion {
		p.add(secSweep, "%s: completionMode must be Indexed, so each pod knows its shard from JOB_COMPLETION_INDEX", m)
	}
	c, par := j.Spec.Completions, j.Spec.Parallelism
	switch {
	case c == nil || par == nil:
		p.add(secSweep, "%s: completions and parallelism must both be set to the number of shards", m)
	case *c != *par:
		p.add(secSweep, "%s: completions %d and parallelism %d differ; every shard runs at once, one per index", m, *c, *par)
	case *c < 1:
		p.add(secSweep, "%s: completions %d", m, *c)
	}
	if j.Spec.BackoffLimitPerIndex != nil && j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		p.add(secSweep, "%s: backoffLimitPerIndex needs restartPolicy Never", m)
	}
	if mj, mm := b.job("sweep-merge"); mj == nil {
		p.add(secSweep, "no Job with %s=sweep-merge (the merge of the shards)", componentLabel)
	} else if mj.Spec.CompletionMode != nil && *mj.Spec.CompletionMode == batchv1.IndexedCompletion {
		p.add(secSweep, "%s: the merge is one pod, not Indexed", mm)
	}
}

// machinesConfig is what the checks read of a lamport config; lamport
// itself checks the rest (see checkConfigWithLamport).
type machinesConfig struct {
	Machines []struct {
		ID   int    `json:"id"`
		Host string `json:"host"`
		Port int    `json:"port"`
	} `json:"machines"`
	Seed *uint64 `json:"seed"`
}

// liveConfig finds the ConfigMap the StatefulSet mounts and the config in
// it: the ConfigMap's name, the key and the mount's directory.
func liveConfig(s *appsv1.StatefulSet, b *bundle) (cm *corev1.ConfigMap, key, mountDir string) {
	for _, v := range s.Spec.Template.Spec.Volumes {
		if v.ConfigMap == nil {
			continue
		}
		cm = b.configMap(v.ConfigMap.Name)
		for _, c := range s.Spec.Template.Spec.Containers {
			for _, vm := range c.VolumeMounts {
				if vm.Name == v.Name {
					mountDir = vm.MountPath
				}
			}
		}
	}
	if cm != nil {
		for k := range cm.Data {
			if strings.HasSuffix(k, ".json") {
				key = k
			}
		}
	}
	return cm, key, mountDir
}

// checkLive checks the StatefulSet of machines, its headless Service and
// the config of its ConfigMap: one machine per pod, each at its pod's DNS
// name and the container's port, and the Job that merges their stores.
func checkLive(p problems, b *bundle) {
	s, m := b.statefulSet("machine")
	if s == nil {
		p.add(secLive, "no StatefulSet with %s=machine", componentLabel)
		return
	}
	ns := b.namespace()
	if s.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		p.add(secLive, "%s: podManagementPolicy %q, want Parallel: every machine waits for its peers, so they must start together", m, s.Spec.PodManagementPolicy)
	}
	if s.Spec.Selector == nil || !labelsMatch(s.Spec.Selector.MatchLabels, s.Spec.Template.Labels) || len(s.Spec.Selector.MatchExpressions) > 0 {
		p.add(secLive, "%s: the selector must be matchLabels that the pod template's labels carry", m)
	}
	rp := s.Spec.PersistentVolumeClaimRetentionPolicy
	if rp == nil || rp.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType || rp.WhenScaled != appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
		p.add(secLive, "%s: persistentVolumeClaimRetentionPolicy must Retain the stores when deleted and scaled: they are merged after the pods are gone", m)
	}
	svc := b.service(s.Spec.ServiceName)
	switch {
	case svc == nil:
		p.add(secLive, "%s: serviceName %q, but no Service manifest has that name", m, s.Spec.ServiceName)
	case svc.Spec.ClusterIP != corev1.ClusterIPNone:
		p.add(secLive, "Service %s: clusterIP %q, want None (headless: one DNS name per pod)", svc.Name, svc.Spec.ClusterIP)
	case !svc.Spec.PublishNotReadyAddresses:
		p.add(secLive, "Service %s: publishNotReadyAddresses must be true, so machines find each other while they start", svc.Name)
	case len(svc.Spec.Selector) == 0 || !labelsMatch(svc.Spec.Selector, s.Spec.Template.Labels):
		p.add(secLive, "Service %s: selector %v does not select the machine pods (labels %v)", svc.Name, svc.Spec.Selector, s.Spec.Template.Labels)
	}

	containers := s.Spec.Template.Spec.Containers
	if len(containers) == 0 {
		return
	}
	c := containers[0]
	if len(c.Ports) != 1 {
		p.add(secLive, "%s: the machine container has %d ports, want 1 (every pod listens on the same port, on its own address)", m, len(c.Ports))
		return
	}
	port := c.Ports[0]
	if svc != nil {
		for _, sp := range svc.Spec.Ports {
			t := sp.TargetPort
			if (t.Type == intstr.String && t.StrVal != port.Name) || (t.Type == intstr.Int && t.IntVal != 0 && t.IntVal != port.ContainerPort) || sp.Port != port.ContainerPort {
				p.add(secLive, "Service %s: port %d (target %s) is not the machine container's port %d (%s)", svc.Name, sp.Port, t.String(), port.ContainerPort, port.Name)
			}
		}
	}
	secretEnv := false
	for _, e := range c.Env {
		if e.Name == "LAMPORT_SECRET" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			secretEnv = true
		}
	}
	if !secretEnv {
		p.add(secLive, "%s: LAMPORT_SECRET must come from a Secret: every machine of the run proves it to its peers", m)
	}

	cm, key, _ := liveConfig(s, b)
	if cm == nil || key == "" {
		p.add(secLive, "%s: mounts no ConfigMap with a config (a key ending in .json)", m)
		return
	}
	var cfg machinesConfig
	if err := json.Unmarshal([]byte(cm.Data[key]), &cfg); err != nil {
		p.add(secLive, "ConfigMap %s key %s: %v", cm.Name, key, err)
		return
	}
	if n := replicas(s); len(cfg.Machines) != n {
		p.add(secLive, "%s: replicas %d, but ConfigMap %s lists %d machines", m, n, cm.Name, len(cfg.Machines))
	}
	if cfg.Seed == nil {
		p.add(secLive, "ConfigMap %s: the config must set \"seed\", so every machine runs the same run", cm.Name)
	}
	for i, mc := range cfg.Machines {
		if mc.ID != i+1 {
			p.add(secLive, "ConfigMap %s: machine %d of the list has id %d; ids run 1..N in order, machine N in the pod of ordinal N-1", cm.Name, i+1, mc.ID)
			continue
		}
		want := fmt.Sprintf("%s-%d.%s.%s.svc.cluster.local", s.Name, mc.ID-1, s.Spec.ServiceName, ns)
		if mc.Host != want {
			p.add(secLive, "ConfigMap %s: machine %d has host %q, want its pod's DNS name %q", cm.Name, mc.ID, mc.Host, want)
		}
		if mc.Port != int(port.ContainerPort) {
			p.add(secLive, "ConfigMap %s: machine %d has port %d, but the container listens on %d", cm.Name, mc.ID, mc.Port, port.ContainerPort)
		}
	}

	if j, jm := b.job("live-merge"); j == nil {
		p.add(secLive, "no Job with %s=live-merge (the merge of the machines' stores)", componentLabel)
	} else {
		claims := stsClaims(s)
		mounted := 0
		for _, v := range j.Spec.Template.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && claims[v.PersistentVolumeClaim.ClaimName] {
				mounted++
				if !v.PersistentVolumeClaim.ReadOnly {
					p.add(secLive, "%s: volume %s: mount the machines' stores read-only", jm, v.Name)
				}
			}
		}
		if mounted != len(claims) {
			p.add(secLive, "%s: mounts %d of the %d claims of the StatefulSet's stores", jm, mounted, len(claims))
		}
	}
}

// labelsMatch reports whether every key of sel has its value in labels.
func labelsMatch(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}
