# METADATA
# title: Base image not pinned by digest
# description: Tags are mutable; only a digest fixes the exact base image the build uses.
# custom:
#   id: VGL-DF-006
#   severity: LOW
#   input: dockerfile
#   remediation: Use FROM image:tag@sha256:<digest> (and let a bot such as Renovate update it).
#   references: ["https://docs.docker.com/build/building/best-practices/#pin-base-image-versions"]
#   controls: {}
package vigil.checks.dockerfile.base_image_digest

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some i, st in df.stages
	df.external(i)
	object.get(st.from, "digest", "") == ""
	res := {"msg": sprintf("Base image '%s' is not pinned by digest", [st.from.image]), "path": df.from_path(i)}
}
