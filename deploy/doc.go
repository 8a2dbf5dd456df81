// Package deploy holds what runs lamport on Kubernetes: the manifests in k8s/
// and the Dockerfile of the image. It is a module of its own so that
// lamport's module does not depend on the Kubernetes API types; its test
// checks the manifests against those types, against the Dockerfile and
// docs/CLUSTER.md, and against the lamport commands they run.
package deploy
