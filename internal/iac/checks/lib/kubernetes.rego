# METADATA
# title: Kubernetes helpers
# description: >-
#   Yields every pod spec and container of a Kubernetes document together with
#   the path of the object inside the input, so that checks can report the path
#   of the offending field. Workloads: Pod, Deployment, StatefulSet, DaemonSet,
#   ReplicaSet, ReplicationController, Job and CronJob.
package vigil.lib.kubernetes

import rego.v1

# Kinds whose pod template lives at spec.template.
template_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}

workload_kinds := template_kinds | {"Pod", "CronJob"}

container_fields := ["containers", "initContainers", "ephemeralContainers"]

name := n if {
	n := input.metadata.name
	is_string(n)
} else := ""

namespace := ns if {
	ns := input.metadata.namespace
	is_string(ns)
}

# label names the document in messages: "Deployment 'web'".
label := sprintf("%s '%s'", [input.kind, name])

is_workload if workload_kinds[input.kind]

# pods contains {"spec": <pod spec>, "path": [...], "meta_path": [...]}.
pods contains {"spec": spec, "path": ["spec"], "meta_path": ["metadata"]} if {
	input.kind == "Pod"
	spec := input.spec
	is_object(spec)
}

pods contains {"spec": spec, "path": ["spec", "template", "spec"], "meta_path": ["spec", "template", "metadata"]} if {
	template_kinds[input.kind]
	spec := input.spec.template.spec
	is_object(spec)
}

pods contains {"spec": spec, "path": p, "meta_path": ["spec", "jobTemplate", "spec", "template", "metadata"]} if {
	input.kind == "CronJob"
	spec := input.spec.jobTemplate.spec.template.spec
	is_object(spec)
	p := ["spec", "jobTemplate", "spec", "template", "spec"]
}

# containers contains {"container": c, "path": [...], "field": "containers"|..., "pod": <pods element>}.
containers contains {"container": c, "path": array.concat(pod.path, [field, i]), "field": field, "pod": pod} if {
	some pod in pods
	some field in container_fields
	list := pod.spec[field]
	is_array(list)
	some i, c in list
	is_object(c)
}

# app_containers are regular (long-running) containers only.
app_containers contains ctr if {
	some ctr in containers
	ctr.field == "containers"
}

container_name(ctr) := n if {
	n := ctr.container.name
	is_string(n)
} else := "?"

# container_label: "Container 'nginx' of Deployment 'web'".
container_label(ctr) := sprintf("Container '%s' of %s", [container_name(ctr), label])

# pod_label: "Deployment 'web'" (the pod template's owner).
pod_label := label

# pod_sc(pod, key): value of the pod-level securityContext field.
pod_sc(pod, key) := pod.spec.securityContext[key]

# sc(ctr, key): effective securityContext value: the container's, else the pod's
# (for fields that exist at both levels).
sc(ctr, key) := v if {
	v := ctr.container.securityContext[key]
} else := v if {
	v := ctr.pod.spec.securityContext[key]
}

# sc_path(ctr, key): path of the field that decides sc(ctr, key), or of the
# nearest existing parent when it is absent.
sc_path(ctr, key) := p if {
	_ = ctr.container.securityContext[key]
	p := array.concat(ctr.path, ["securityContext", key])
} else := p if {
	_ = ctr.pod.spec.securityContext[key]
	p := array.concat(ctr.pod.path, ["securityContext", key])
} else := p if {
	is_object(ctr.container.securityContext)
	p := array.concat(ctr.path, ["securityContext"])
} else := ctr.path

# csc_path(ctr, key): path of a container-only securityContext field or its parent.
csc_path(ctr, key) := p if {
	_ = ctr.container.securityContext[key]
	p := array.concat(ctr.path, ["securityContext", key])
} else := p if {
	is_object(ctr.container.securityContext)
	p := array.concat(ctr.path, ["securityContext"])
} else := ctr.path

# pod_path(pod, key): path of a pod spec field or the pod spec itself.
pod_path(pod, key) := p if {
	_ = pod.spec[key]
	p := array.concat(pod.path, [key])
} else := pod.path

# annotations of the pod template (or of the Pod).
pod_annotations(pod) := a if {
	a := object.get(input, array.concat(pod.meta_path, ["annotations"]), {})
	is_object(a)
} else := {}

is_true(v) if v == true

is_true(v) if v == "true"

is_false(v) if v == false

is_false(v) if v == "false"

# to_int normalises numbers given as numbers or strings; undefined otherwise.
to_int(v) := n if {
	is_number(v)
	n := v
} else := n if {
	is_string(v)
	regex.match(`^-?[0-9]+$`, v)
	n := to_number(v)
}

# Roles and ClusterRoles.
role_kinds := {"Role", "ClusterRole"}

rules contains {"rule": r, "path": ["rules", i]} if {
	role_kinds[input.kind]
	is_array(input.rules)
	some i, r in input.rules
	is_object(r)
}

rule_list(rule, key) := l if {
	l := rule[key]
	is_array(l)
} else := []

# sc_is_true / sc_is_false / csc_is_false test the effective (or container-only)
# securityContext value; use these with `not` (a call whose argument is an
# undefined reference makes the whole `not` expression undefined).
sc_is_true(ctr, key) if is_true(sc(ctr, key))

sc_is_false(ctr, key) if is_false(sc(ctr, key))

csc_is_true(ctr, key) if is_true(ctr.container.securityContext[key])

csc_is_false(ctr, key) if is_false(ctr.container.securityContext[key])

# image_ref(s): {"name", "tag", "digest"} of an image reference.
image_ref(s) := {"name": name_tag[0], "tag": tag_of(name_tag), "digest": digest_of(parts)} if {
	parts := split(s, "@")
	last_seg := regex.replace(parts[0], `^.*/`, "")
	name_tag := split(last_seg, ":")
}

tag_of(nt) := nt[1] if count(nt) > 1

else := ""

digest_of(parts) := parts[1] if count(parts) > 1

else := ""
