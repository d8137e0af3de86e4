# METADATA
# title: Pod mounts a hostPath volume
# description: >-
#   hostPath volumes expose the node's filesystem to the pod; writable mounts
#   of paths such as / , /var/run/docker.sock or /etc lead to node compromise.
# custom:
#   id: VGL-K8S-012
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Use emptyDir, configMap, secret or persistent volumes instead of hostPath.
#   references: ["https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"]
#   controls: {pss: baseline, cis_kubernetes: "5.2.12"}
package vigil.checks.kubernetes.host_path_volume

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some pod in k8s.pods
	some i, vol in pod.spec.volumes
	is_object(vol.hostPath)
	res := {
		"msg": sprintf("%s mounts hostPath '%v' (volume '%v')", [k8s.label, object.get(vol.hostPath, "path", ""), object.get(vol, "name", "")]),
		"path": array.concat(pod.path, ["volumes", i, "hostPath"]),
	}
}
