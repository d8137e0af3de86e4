# METADATA
# title: Container has no memory request
# description: >-
#   Without resources.requests.memory the scheduler and kubelet cannot protect the node
#   and neighbouring pods from this container (noisy neighbour, denial of service).
# custom:
#   id: VGL-K8S-020
#   severity: LOW
#   input: kubernetes
#   remediation: Set resources.requests.memory on the container.
#   references: ["https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"]
#   controls: {}
package vigil.checks.kubernetes.memory_requests

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	ctr.field != "ephemeralContainers"
	not has_value(ctr)
	res := {
		"msg": sprintf("%s has no resources.requests.memory", [k8s.container_label(ctr)]),
		"path": path(ctr),
	}
}

has_value(ctr) if ctr.container.resources.requests.memory != null

path(ctr) := array.concat(ctr.path, ["resources", "requests"]) if {
	is_object(ctr.container.resources.requests)
} else := array.concat(ctr.path, ["resources"]) if {
	is_object(ctr.container.resources)
} else := ctr.path
