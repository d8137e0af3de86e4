# METADATA
# title: Pod uses a volume type outside the restricted set
# description: >-
#   The Restricted profile allows only configMap, csi, downwardAPI, emptyDir,
#   ephemeral, persistentVolumeClaim, projected and secret volumes; other
#   types (nfs, iscsi, rbd, gitRepo ...) bypass storage policy. hostPath is
#   reported by VGL-K8S-012.
# custom:
#   id: VGL-K8S-044
#   severity: LOW
#   input: kubernetes
#   remediation: Use a PersistentVolumeClaim or one of the allowed volume types.
#   references: ["https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted"]
#   controls: {pss: restricted}
package vigil.checks.kubernetes.restricted_volumes

import data.vigil.lib.kubernetes as k8s
import rego.v1

allowed := {"name", "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret", "hostPath"}

deny contains res if {
	some pod in k8s.pods
	some i, vol in pod.spec.volumes
	some key, _ in vol
	not allowed[key]
	res := {
		"msg": sprintf("%s uses %s volume '%v'", [k8s.label, key, object.get(vol, "name", "")]),
		"path": array.concat(pod.path, ["volumes", i, key]),
	}
}
