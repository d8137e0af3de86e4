# METADATA
# title: ADD used where COPY serves
# description: >-
#   ADD silently extracts archives and fetches URLs; for plain local files COPY
#   is explicit and predictable.
# custom:
#   id: VGL-DF-003
#   severity: LOW
#   input: dockerfile
#   remediation: Use COPY for local files and directories.
#   references: ["https://docs.docker.com/build/building/best-practices/#add-or-copy"]
#   controls: {cis_docker: "4.9"}
package vigil.checks.dockerfile.add_instead_of_copy

import data.vigil.checks.dockerfile.add_url
import data.vigil.lib.dockerfile as df
import rego.v1

archive := `(?i)\.(tar|tgz|tbz2?|txz|tzst|tar\.(gz|bz2|xz|zst|lz|lzma)|gz|bz2|xz)$`

deny contains res if {
	some x in df.by_cmd("add")
	srcs := add_url.sources(x.ins)
	count(srcs) > 0
	every src in srcs {
		not regex.match(`^(?i)(https?|ftp|git@|git)://|^git@`, src)
		not regex.match(archive, src)
	}
	res := {"msg": sprintf("ADD %s copies local files: use COPY", [concat(" ", srcs)]), "path": x.path}
}
