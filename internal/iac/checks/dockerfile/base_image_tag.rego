# METADATA
# title: Base image uses the latest tag or no tag
# description: >-
#   A FROM without a tag (or with latest) builds on whatever the tag points to
#   today: builds are not reproducible and a changed upstream image goes
#   unnoticed. Stages built FROM scratch or another stage are not checked.
# custom:
#   id: VGL-DF-005
#   severity: MEDIUM
#   input: dockerfile
#   remediation: Pin the base image to a version tag (and a digest).
#   references: ["https://docs.docker.com/build/building/best-practices/#from"]
#   controls: {}
package vigil.checks.dockerfile.base_image_tag

import data.vigil.lib.dockerfile as df
import rego.v1

deny contains res if {
	some i, st in df.stages
	df.external(i)
	object.get(st.from, "digest", "") == ""
	tag := object.get(st.from, "tag", "")
	tag in {"", "latest"}
	res := {"msg": sprintf("Base image '%s' is not pinned to a version tag", [st.from.image]), "path": df.from_path(i)}
}
