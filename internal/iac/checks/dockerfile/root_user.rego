# METADATA
# title: Image runs as root
# description: >-
#   The final stage sets no USER (or sets root / UID 0) so containers run as
#   root unless the orchestrator overrides it. A USER set in an earlier stage
#   that the final stage is built FROM counts.
# custom:
#   id: VGL-DF-001
#   severity: HIGH
#   input: dockerfile
#   remediation: Create an unprivileged user and add `USER <name or UID>` at the end of the final stage.
#   references: ["https://docs.docker.com/build/building/best-practices/#user"]
#   controls: {cis_docker: "4.1"}
package vigil.checks.dockerfile.root_user

import data.vigil.lib.dockerfile as df
import rego.v1

# users: USER instructions of the final stage's chain, by stage.
users := [x |
	some x in df.by_cmd("user")
	df.final_chain[x.stage]
]

# The last USER wins: highest stage, then highest instruction index.
last_user := x if {
	count(users) > 0
	ordered := sort([[u.stage, u.path[1]] | some u in users])
	key := ordered[count(ordered) - 1]
	some x in users
	[x.stage, x.path[1]] == key
}

is_root(u) if {
	name := lower(split(trim_space(df.text(u.ins)), ":")[0])
	name in {"root", "0"}
}

# Images documented to run as a non-root user.
nonroot_base if contains(lower(df.stages[df.last_stage].from.tag), "nonroot")

deny contains res if {
	count(df.stages) > 0
	count(users) == 0
	not nonroot_base
	res := {
		"msg": "The final stage does not set USER: the image runs as root",
		"path": df.from_path(df.last_stage),
	}
}

deny contains res if {
	is_root(last_user)
	res := {
		"msg": sprintf("The final stage runs as root (USER %s)", [df.text(last_user.ins)]),
		"path": last_user.path,
	}
}
