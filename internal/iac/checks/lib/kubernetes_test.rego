package vigil.lib.kubernetes_test

import data.vigil.lib.kubernetes as k8s
import rego.v1

spec := {"containers": [{"name": "a"}], "initContainers": [{"name": "i"}], "ephemeralContainers": [{"name": "e"}]}

test_template_kinds if {
	every kind in ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"] {
		paths := {c.path | some c in k8s.containers} with input as {"kind": kind, "metadata": {"name": "w"}, "spec": {"template": {"spec": spec}}}
		paths == {
			["spec", "template", "spec", "containers", 0],
			["spec", "template", "spec", "initContainers", 0],
			["spec", "template", "spec", "ephemeralContainers", 0],
		}
	}
}

test_pod_and_cronjob if {
	{c.path | some c in k8s.containers} with input as {"kind": "Pod", "spec": spec} == {["spec", "containers", 0], ["spec", "initContainers", 0], ["spec", "ephemeralContainers", 0]}
	p := ["spec", "jobTemplate", "spec", "template", "spec", "containers", 0]
	{c.path | some c in k8s.containers} with input as {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}}} == {p}
}

test_non_workloads_and_malformed if {
	count(k8s.pods) == 0 with input as {"kind": "Service", "spec": {"template": {"spec": spec}}}
	count(k8s.containers) == 0 with input as {"kind": "Pod", "spec": {"containers": {"name": "not-a-list"}}}
	count(k8s.containers) == 0 with input as {"kind": "Deployment", "spec": null}
}

test_labels if {
	k8s.label == "Deployment 'web'" with input as {"kind": "Deployment", "metadata": {"name": "web"}}
	k8s.label == "Pod ''" with input as {"kind": "Pod"}
}

test_effective_security_context if {
	ctr := {"container": {"securityContext": {"runAsUser": 5}}, "path": ["spec", "containers", 0], "pod": {"spec": {"securityContext": {"runAsUser": 0, "runAsGroup": 7}}, "path": ["spec"]}}
	k8s.sc(ctr, "runAsUser") == 5
	k8s.sc(ctr, "runAsGroup") == 7
	k8s.sc_path(ctr, "runAsGroup") == ["spec", "securityContext", "runAsGroup"]
	k8s.sc_path(ctr, "fsGroup") == ["spec", "containers", 0, "securityContext"]
}

test_image_ref if {
	k8s.image_ref("nginx") == {"name": "nginx", "tag": "", "digest": ""}
	k8s.image_ref("localhost:5000/a/b:1.2@sha256:x") == {"name": "b", "tag": "1.2", "digest": "sha256:x"}
	k8s.image_ref("registry:5000/app") == {"name": "app", "tag": "", "digest": ""}
}

test_to_int if {
	k8s.to_int("0") == 0
	k8s.to_int(1000) == 1000
	not k8s.to_int("abc")
}
