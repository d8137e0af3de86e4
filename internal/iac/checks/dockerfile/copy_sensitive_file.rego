# METADATA
# title: Private key or credential file copied into the image
# description: >-
#   COPY/ADD of files such as id_rsa, *.pem/*.key, .env, .npmrc, .pypirc, .netrc, .git-credentials or AWS credentials puts them in a layer, readable by anyone with the image (even if deleted later).
# custom:
#   id: VGL-DF-028
#   severity: HIGH
#   input: dockerfile
#   remediation: Mount the file with RUN --mount=type=secret or provide it at runtime; add it to .dockerignore.
#   references: ["https://docs.docker.com/build/building/secrets/"]
#   controls: {cis_docker: "4.10"}
package vigil.checks.dockerfile.copy_sensitive_file

import data.vigil.lib.dockerfile as df
import rego.v1

sensitive := `(?i)(^|/)(id_(rsa|dsa|ecdsa|ed25519)|\.env|\.npmrc|\.pypirc|\.netrc|\.git-credentials|\.dockercfg|credentials|[^/]*\.(pem|key|p12|pfx|jks|keystore))$`

deny contains res if {
	some cmd in ["copy", "add"]
	some x in df.by_cmd(cmd)
	not from_stage(x.ins)
	args := x.ins.args
	count(args) > 1
	some src in array.slice(args, 0, count(args) - 1)
	regex.match(sensitive, trim_right(src, "/"))
	res := {"msg": sprintf("%s copies sensitive file %s into the image", [upper(cmd), src]), "path": x.path}
}

# COPY --from=<stage> copies from a build stage, not the context; still a
# leak if the file is sensitive, but the stage is where it was introduced.
from_stage(ins) if {
	some fl in ins.flags
	startswith(fl, "--from=")
}
