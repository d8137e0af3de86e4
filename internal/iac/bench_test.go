package iac

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Corpus sizes from the performance target: 1,000 Kubernetes manifests
// plus 200 Terraform files must scan in under 3 s on 2 cores.
const (
	benchManifests = 1000
	benchTFFiles   = 200
	tfFilesPerDir  = 10
)

// writeCorpus generates a deterministic corpus of Kubernetes manifests and
// Terraform modules under dir. Each manifest holds a Deployment (two
// containers, some insecure settings), a Service and, every tenth file, a
// Role; each .tf file holds an S3 bucket, a public access block, a security
// group with dynamic ingress, an instance and variables/locals.
func writeCorpus(dir string, manifests, tfFiles int) error {
	for i := range manifests {
		p := filepath.Join(dir, "k8s", fmt.Sprintf("team%02d", i%20), fmt.Sprintf("app%04d.yaml", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		doc := fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app%[1]d
  namespace: team%[2]d
  labels: {app: app%[1]d, tier: backend}
spec:
  replicas: 3
  selector:
    matchLabels: {app: app%[1]d}
  template:
    metadata:
      labels: {app: app%[1]d}
    spec:
      hostNetwork: %[3]t
      containers:
        - name: app
          image: registry.example.com/app%[1]d:1.%[1]d
          ports: [{containerPort: 8080}]
          env:
            - {name: MODE, value: production}
            - {name: DB_PASSWORD, value: hunter2}
          resources:
            limits: {cpu: 500m, memory: 256Mi}
          securityContext:
            privileged: %[4]t
            allowPrivilegeEscalation: false
            runAsNonRoot: true
        - name: sidecar
          image: busybox
          command: ["sh", "-c", "sleep infinity"]
---
apiVersion: v1
kind: Service
metadata:
  name: app%[1]d
  namespace: team%[2]d
spec:
  type: %[5]s
  selector: {app: app%[1]d}
  ports: [{port: 80, targetPort: 8080}]
`, i, i%20, i%7 == 0, i%5 == 0, map[bool]string{true: "NodePort", false: "ClusterIP"}[i%3 == 0])
		if i%10 == 0 {
			doc += fmt.Sprintf(`---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: role%[1]d
  namespace: team%[2]d
rules:
  - apiGroups: [""]
    resources: ["secrets", "pods"]
    verbs: ["get", "list", "*"]
`, i, i%20)
		}
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			return err
		}
	}
	for i := range tfFiles {
		p := filepath.Join(dir, "tf", fmt.Sprintf("mod%02d", i/tfFilesPerDir), fmt.Sprintf("res%03d.tf", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		src := fmt.Sprintf(`variable "env%[1]d" {
  default = "prod"
}

locals {
  name%[1]d = "bucket-${var.env%[1]d}-%[1]d"
  ports%[1]d = [22, 443, 8080]
}

resource "aws_s3_bucket" "b%[1]d" {
  bucket = local.name%[1]d
  acl    = "%[2]s"
  tags   = { Name = local.name%[1]d, Env = var.env%[1]d }
}

resource "aws_s3_bucket_public_access_block" "b%[1]d" {
  bucket                  = aws_s3_bucket.b%[1]d.id
  block_public_acls       = %[3]t
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_security_group" "sg%[1]d" {
  name = "sg-%[1]d"
  dynamic "ingress" {
    for_each = local.ports%[1]d
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "i%[1]d" {
  ami                    = "ami-123456"
  instance_type          = "t3.micro"
  vpc_security_group_ids = [aws_security_group.sg%[1]d.id]
  metadata_options {
    http_tokens = "%[4]s"
  }
  root_block_device {
    encrypted = %[3]t
  }
}
`, i, map[bool]string{true: "public-read", false: "private"}[i%4 == 0], i%2 == 0, map[bool]string{true: "required", false: "optional"}[i%3 == 0])
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// TestWriteCorpus writes the benchmark corpus to $VIGIL_IAC_CORPUS (for
// timing the CLI end to end); it is skipped otherwise.
func TestWriteCorpus(t *testing.T) {
	dir := os.Getenv("VIGIL_IAC_CORPUS")
	if dir == "" {
		t.Skip("set VIGIL_IAC_CORPUS=DIR to write the benchmark corpus")
	}
	if err := writeCorpus(dir, benchManifests, benchTFFiles); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkNew measures loading and compiling the built-in checks, done
// once per run.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(b.Context(), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanFS scans the generated corpus with the built-in checks.
// Run with -cpu 2 for the 2-core target.
func BenchmarkScanFS(b *testing.B) {
	for _, size := range []struct{ k8s, tf int }{{100, 20}, {benchManifests, benchTFFiles}} {
		b.Run(fmt.Sprintf("k8s=%d,tf=%d", size.k8s, size.tf), func(b *testing.B) {
			dir := b.TempDir()
			if err := writeCorpus(dir, size.k8s, size.tf); err != nil {
				b.Fatal(err)
			}
			s, err := New(b.Context(), Options{})
			if err != nil {
				b.Fatal(err)
			}
			fsys := os.DirFS(dir)
			b.ReportAllocs()
			var findings int
			cpu0 := cpuTime()
			for b.Loop() {
				res, err := s.ScanFS(b.Context(), fsys)
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Errors) > 0 {
					b.Fatalf("errors: %v", res.Errors)
				}
				findings = len(res.Findings)
			}
			b.ReportMetric(float64(findings), "findings")
			// CPU seconds per scan: stable on a loaded machine, where
			// wall time is not. Wall time on N idle cores ~ cpu-s/op / N.
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// BenchmarkRun measures a whole run, compiling included.
func BenchmarkRun(b *testing.B) {
	dir := b.TempDir()
	if err := writeCorpus(dir, benchManifests, benchTFFiles); err != nil {
		b.Fatal(err)
	}
	fsys := os.DirFS(dir)
	b.ReportAllocs()
	for b.Loop() {
		s, err := New(b.Context(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.ScanFS(b.Context(), fsys); err != nil {
			b.Fatal(err)
		}
	}
}
