# METADATA
# title: Image not pinned by digest
# description: >-
#   Tags can be moved to another image; only a digest guarantees that the image
#   that was reviewed and scanned is the one that runs.
# custom:
#   id: VGL-K8S-023
#   severity: LOW
#   input: kubernetes
#   remediation: Reference the image as name:tag@sha256:<digest>.
#   references: ["https://kubernetes.io/docs/concepts/containers/images/#image-names"]
#   controls: {}
package vigil.checks.kubernetes.image_digest

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	image := ctr.container.image
	is_string(image)
	not contains(image, "$")
	not contains(image, "{{")
	k8s.image_ref(image).digest == ""
	res := {
		"msg": sprintf("%s uses image '%s' without a digest", [k8s.container_label(ctr), image]),
		"path": array.concat(ctr.path, ["image"]),
	}
}
