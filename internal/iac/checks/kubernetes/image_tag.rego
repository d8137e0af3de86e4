# METADATA
# title: Image uses the latest tag or no tag
# description: >-
#   An image without a tag (or tagged latest) is mutable: deployments are not
#   reproducible and a pushed image can change what runs.
# custom:
#   id: VGL-K8S-022
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Pin the image to a specific version tag, preferably with a digest.
#   references: ["https://kubernetes.io/docs/concepts/containers/images/#image-names"]
#   controls: {}
package vigil.checks.kubernetes.image_tag

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	some ctr in k8s.containers
	image := ctr.container.image
	is_string(image)
	not contains(image, "$")
	not contains(image, "{{")
	ref := k8s.image_ref(image)
	ref.digest == ""
	ref.tag in {"", "latest"}
	res := {
		"msg": sprintf("%s uses image '%s' without a pinned tag", [k8s.container_label(ctr), image]),
		"path": array.concat(ctr.path, ["image"]),
	}
}
