package deploy

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// validate runs every check on the files (as readFiles returns them) and
// returns what they found.
func validate(files map[string]string) problems {
	p := problems{}
	b := newBundle(p, files)
	checkObjects(p, b)
	checkSweep(p, b)
	checkLive(p, b)
	calls := manifestCalls(p, b)
	calls = append(calls, checkImage(p, b)...)
	calls = append(calls, b.doc.calls...)
	checkCommands(p, calls, lamportHelp)
	checkDocs(p, b)
	checkScripts(p, b)
	return p
}

var (
	realOnce     sync.Once
	realFiles    map[string]string
	realProblems problems
	realErr      error
)

// checkRealFiles validates the repository's files once for every test.
func checkRealFiles(t *testing.T) (map[string]string, problems) {
	t.Helper()
	realOnce.Do(func() {
		realFiles, realErr = readFiles()
		if realErr == nil {
			realProblems = validate(realFiles)
		}
	})
	if realErr != nil {
		t.Fatal(realErr)
	}
	return realFiles, realProblems
}

// TestManifests checks the manifests, the Dockerfile and docs/CLUSTER.md,
// one subtest per section of checks.
func TestManifests(t *testing.T) {
	_, p := checkRealFiles(t)
	for _, s := range sections {
		t.Run(s, func(t *testing.T) {
			for _, m := range p[s] {
				t.Error(m)
			}
		})
	}
}

// The flags of lamport sweep that the Indexed Job and its merge use.
var shardFlags = []string{"--shard", "--sweep-id", "--table"}

// TestSweepHasTheShardFlags says plainly what TestManifests/commands says
// among the rest when lamport sweep cannot run a shard of a sweep yet.
func TestSweepHasTheShardFlags(t *testing.T) {
	var missing []string
	for _, f := range shardFlags {
		if !lamportHelp.commands["sweep"][f] {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		t.Errorf("lamport sweep has no %s: k8s/sweep-shards.yaml runs `lamport sweep --shard I/N --sweep-id ID` and k8s/sweep-merge.yaml runs `lamport sweep --table ID`", strings.Join(missing, ", "))
	}
}

// edit changes one manifest, the Dockerfile or docs/CLUSTER.md: old must
// occur exactly once in the file (or is "" to append new), so that an edit
// that no longer applies fails instead of testing nothing.
type edit struct{ file, old, new string }

// The broken variants of the real files, and what the checks must say of
// each: a problem containing want that the real files do not have.
var brokenCases = []struct {
	name  string
	edits []edit
	want  string
}{
	{"unknown field", []edit{{"k8s/live-machines.yaml", "  podManagementPolicy: Parallel\n", "  podManagementPolicy: Parallel\n  podManagmentPolicy: Parallel\n"}}, `unknown field "spec.podManagmentPolicy"`},
	{"field in the wrong case", []edit{{"k8s/live-machines.yaml", "  replicas: 3\n", "  Replicas: 3\n"}}, `unknown field "spec.Replicas"`},
	{"key given twice", []edit{{"k8s/live-machines.yaml", "  replicas: 3\n", "  replicas: 3\n  replicas: 4\n"}}, `"replicas" already set`},
	{"kind not used", []edit{{"k8s/sweep-merge.yaml", "kind: Job\n", "kind: CronJob\n"}}, "batch/v1 CronJob is not a kind this deployment uses"},
	{"a credential committed", []edit{{"k8s/live-config.yaml", "", "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: lamport-secret\n  namespace: lamport\n  labels: {app.kubernetes.io/name: lamport, app.kubernetes.io/component: machine}\nstringData:\n  LAMPORT_SECRET: not-so-secret\n"}}, "a Secret with a value in the repository"},
	{"wrong namespace", []edit{{"k8s/live-service.yaml", "  namespace: lamport\n", "  namespace: default\n"}}, `namespace "default", want the Namespace manifest's "lamport"`},
	{"no runAsNonRoot", []edit{{"k8s/sweep-shards.yaml", "        runAsNonRoot: true\n", ""}}, "runAsNonRoot: true"},
	{"no limits", []edit{{"k8s/sweep-merge.yaml", "            limits:\n              cpu: \"1\"\n              memory: 512Mi\n", ""}}, "wants a request and a limit of cpu"},
	{"request above limit", []edit{{"k8s/live-machines.yaml", "              memory: 64Mi\n", "              memory: 1Gi\n"}}, "memory request 1Gi is above its limit 256Mi"},
	{"not Indexed", []edit{{"k8s/sweep-shards.yaml", "completionMode: Indexed", "completionMode: NonIndexed"}}, "completionMode must be Indexed"},
	{"completions differ from parallelism", []edit{{"k8s/sweep-shards.yaml", "  completions: 4\n", "  completions: 5\n"}}, "completions 5 and parallelism 4 differ"},
	{"completions differ from --shard N", []edit{{"k8s/sweep-shards.yaml", "  completions: 4\n", "  completions: 5\n"}, {"k8s/sweep-shards.yaml", "  parallelism: 4\n", "  parallelism: 5\n"}}, `index 0: --shard "1/4", want "1/5"`},
	{"shard from the index without +1", []edit{{"k8s/sweep-shards.yaml", "shard=$((JOB_COMPLETION_INDEX + 1))", "shard=$JOB_COMPLETION_INDEX"}}, `index 0: --shard "0/4", want "1/4"`},
	{"one store for every shard", []edit{{"k8s/sweep-shards.yaml", `store="/data/shard-$JOB_COMPLETION_INDEX.db"`, `store="/data/shard.db"`}}, "is another index's store too"},
	{"shards with their own seeds", []edit{{"k8s/sweep-shards.yaml", "--seed 1 ", ""}}, "every shard needs the same --seed"},
	{"store outside the volume", []edit{{"k8s/sweep-shards.yaml", "              mountPath: /data\n", "              mountPath: /mnt/data\n"}}, "is not on a volume, so it is lost with the pod"},
	{"merge of part of the sweep", []edit{{"k8s/sweep-merge.yaml", `if [ "$#" -ne 4 ] || [ ! -e "$1" ]; then`, "if false; then"}}, "merged although the store of shard 1"},
	{"merge reads other files", []edit{{"k8s/sweep-merge.yaml", "set -- /data/shard-*.db", "set -- /data/shards-*.db"}}, "want the 4 shard stores"},
	{"not POSIX sh", []edit{{"k8s/sweep-merge.yaml", "set -- /data/shard-*.db", "shards=(/data/shard-*.db)"}}, "the script is not POSIX sh"},
	{"flag lamport lacks", []edit{{"k8s/live-machines.yaml", "--connect-timeout 5m", "--connect-timout 5m"}}, "lamport machine does not accept --connect-timout"},
	{"command lamport lacks", []edit{{"k8s/live-merge.yaml", "lamport report latest", "lamport reprt latest"}}, "runs `lamport reprt`, which is not a command of lamport"},
	{"secret on the command line", []edit{{"k8s/live-machines.yaml", "--connect-timeout 5m &", `--connect-timeout 5m --secret "$LAMPORT_SECRET" &`}}, "--secret shows the secret"},
	{"secret in the manifest", []edit{{"k8s/live-machines.yaml", "              valueFrom:\n                secretKeyRef:\n                  name: lamport-secret\n                  key: LAMPORT_SECRET\n", "              value: not-so-secret\n"}}, "env LAMPORT_SECRET has its value in the manifest"},
	{"secret key the docs do not create", []edit{{"k8s/live-machines.yaml", "key: LAMPORT_SECRET", "key: secret"}}, `reads key "secret" of Secret "lamport-secret"`},
	{"replicas and machines differ", []edit{{"k8s/live-machines.yaml", "  replicas: 3\n", "  replicas: 4\n"}}, "replicas 4, but ConfigMap machines-config lists 3 machines"},
	{"not Parallel", []edit{{"k8s/live-machines.yaml", "  podManagementPolicy: Parallel\n", "  podManagementPolicy: OrderedReady\n"}}, `podManagementPolicy "OrderedReady", want Parallel`},
	{"stores deleted with the pods", []edit{{"k8s/live-machines.yaml", "whenDeleted: Retain", "whenDeleted: Delete"}}, "must Retain the stores"},
	{"id from the ordinal without +1", []edit{{"k8s/live-machines.yaml", "id=$(( ${POD_NAME##*-} + 1 ))", "id=${POD_NAME##*-}"}}, `ordinal 0: --id "0", want 1`},
	{"store off the pod's volume", []edit{{"k8s/live-machines.yaml", `store="/store/machine-$id.db"`, `store="/etc/lamport/machine-$id.db"`}}, "is not on the pod's own volume"},
	{"service not headless", []edit{{"k8s/live-service.yaml", "  clusterIP: None\n", ""}}, `clusterIP "", want None`},
	{"not-ready pods unnamed", []edit{{"k8s/live-service.yaml", "  publishNotReadyAddresses: true\n", ""}}, "publishNotReadyAddresses must be true"},
	{"service selects other pods", []edit{{"k8s/live-service.yaml", "    app.kubernetes.io/component: machine\n  ports:", "    app.kubernetes.io/component: machines\n  ports:"}}, "does not select the machine pods"},
	{"serviceName of no Service", []edit{{"k8s/live-machines.yaml", "serviceName: machines", "serviceName: machine-dns"}}, `serviceName "machine-dns", but no Service manifest has that name`},
	{"host of another pod", []edit{{"k8s/live-config.yaml", `{"id": 2, "host": "machine-1.`, `{"id": 2, "host": "machine-2.`}}, `machine 2 has host "machine-2.machines.lamport.svc.cluster.local", want its pod's DNS name "machine-1.machines.lamport.svc.cluster.local"`},
	{"port not the container's", []edit{{"k8s/live-config.yaml", `"machine-2.machines.lamport.svc.cluster.local", "port": 5001`, `"machine-2.machines.lamport.svc.cluster.local", "port": 5003`}}, "machine 3 has port 5003, but the container listens on 5001"},
	{"config lamport refuses", []edit{{"k8s/live-config.yaml", `"duration": "10m"`, `"duraton": "10m"`}}, "lamport refuses the config"},
	{"merge of a claim nobody made", []edit{{"k8s/live-merge.yaml", "claimName: store-machine-2\n", "claimName: store-machine-3\n"}}, `uses claim "store-machine-3", which no manifest`},
	{"merge misses a machine's store", []edit{{"k8s/live-merge.yaml", "            - name: store-2\n              mountPath: /stores/machine-2\n              readOnly: true\n", ""}}, "want the 3 machines' stores"},
	{"build without -trimpath", []edit{{"Dockerfile", "go build -trimpath ", "go build "}}, "go build must have -trimpath"},
	{"build with cgo", []edit{{"Dockerfile", "CGO_ENABLED=0 go build", "CGO_ENABLED=1 go build"}}, "CGO_ENABLED=0"},
	{"builder of another Go", []edit{{"Dockerfile", "FROM golang:1.26 AS build", "FROM golang:1.25 AS build"}}, "want golang:1.26"},
	{"image without a shell", []edit{{"Dockerfile", "FROM busybox:1.37\n", "FROM gcr.io/distroless/static:nonroot\n"}}, "the manifests run /bin/sh"},
	{"image runs as root", []edit{{"Dockerfile", "USER 65532:65532", "USER root"}}, `USER "root"`},
	{"entrypoint runs a command lamport lacks", []edit{{"Dockerfile", `CMD ["version"]`, `CMD ["versions"]`}}, "runs `lamport versions`"},
	{"docs create the secret elsewhere", []edit{{"../docs/CLUSTER.md", "kubectl -n lamport create secret generic", "kubectl -n default create secret generic"}}, `creates Secret lamport-secret in namespace "default"`},
	{"docs build another image", []edit{{"../docs/CLUSTER.md", "docker build -f deploy/Dockerfile -t lamport:0.1.0 .", "docker build -f deploy/Dockerfile -t lamport:latest ."}}, "no `docker build -f deploy/Dockerfile -t lamport:0.1.0`"},
	{"docs name a file that is not there", []edit{{"../docs/CLUSTER.md", "lamport_apply deploy/k8s/sweep-merge.yaml", "lamport_apply deploy/k8s/sweep-merged.yaml"}}, "names deploy/k8s/sweep-merged.yaml, which is not in the repository"},
}

// TestBrokenManifestsAreRejected breaks the real files one way at a time
// and wants the checks to say so.
func TestBrokenManifestsAreRejected(t *testing.T) {
	files, base := checkRealFiles(t)
	known := base.all()
	for _, tc := range brokenCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			broken := make(map[string]string, len(files))
			for k, v := range files {
				broken[k] = v
			}
			for _, e := range tc.edits {
				text, ok := broken[e.file]
				if !ok {
					t.Fatalf("no file %s", e.file)
				}
				if e.old == "" {
					broken[e.file] = text + e.new
					continue
				}
				if n := strings.Count(text, e.old); n != 1 {
					t.Fatalf("%s: %q occurs %d times, want once: the case no longer fits the file", e.file, e.old, n)
				}
				broken[e.file] = strings.Replace(text, e.old, e.new, 1)
			}
			var found []string
			for _, m := range validate(broken).all() {
				if !slices.Contains(known, m) {
					found = append(found, m)
				}
			}
			for _, m := range found {
				if strings.Contains(m, tc.want) {
					t.Log(m)
					return
				}
			}
			t.Errorf("no new problem says %q; the new problems:\n%s", tc.want, strings.Join(found, "\n"))
		})
	}
}

// TestLamportIsStatic checks the binary built as the Dockerfile builds it:
// it must run without a C library, as the image has none that it is
// built for.
func TestLamportIsStatic(t *testing.T) {
	if err := checkStatic(lamportBin); err != nil {
		t.Errorf("lamport built as the Dockerfile builds it is not static: %v", err)
	}
	out, err := runLamport("version")
	if err != nil || !strings.HasPrefix(out, "lamport ") {
		t.Errorf("lamport version: %v: %s", err, out)
	}
}
