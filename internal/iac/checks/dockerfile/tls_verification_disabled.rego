# METADATA
# title: TLS verification disabled in a download
# description: >-
#   curl -k/--insecure, wget --no-check-certificate, pip --trusted-host, npm/yarn strict-ssl false, git http.sslVerify false and apk --allow-untrusted let a network attacker replace what the build downloads.
# custom:
#   id: VGL-DF-025
#   severity: MEDIUM
#   input: dockerfile
#   remediation: Keep certificate verification on; install the CA certificate if a private CA is used.
#   references: ["https://docs.docker.com/build/building/best-practices/"]
#   controls: {cis_docker: "4.11"}
package vigil.checks.dockerfile.tls_verification_disabled

import data.vigil.lib.dockerfile as df
import rego.v1

patterns := [
	`\bcurl\b.*\s(-[a-zA-Z]*k[a-zA-Z]*|--insecure)(\s|$)`,
	`\bwget\b.*\s--no-check-certificate\b`,
	`\bpip[0-9.]*\b.*\s--trusted-host\b`,
	`\b(npm|yarn)\s+config\s+set\s+strict-ssl\s+false\b`,
	`\bgit\b.*http\.sslVerify\s*(=\s*)?false\b`,
	`\bapk\b.*\s--allow-untrusted\b`,
	`\bNODE_TLS_REJECT_UNAUTHORIZED=0\b`,
]

deny contains res if {
	some x in df.runs
	some c in df.commands(df.text(x.ins))
	some p in patterns
	regex.match(p, c)
	res := {"msg": sprintf("RUN disables TLS verification (%s)", [c]), "path": x.path}
}

deny contains res if {
	some p in df.env_pairs
	upper(p.key) in {"NODE_TLS_REJECT_UNAUTHORIZED", "GIT_SSL_NO_VERIFY", "PYTHONHTTPSVERIFY"}
	p.value in {"0", "false", "1"}
	not bad_value_ok(p)
	res := {"msg": sprintf("%s %s=%s disables TLS verification", [upper(p.cmd), p.key, p.value]), "path": p.path}
}

# GIT_SSL_NO_VERIFY is truthy; the others disable verification with 0/false.
bad_value_ok(p) if {
	upper(p.key) == "GIT_SSL_NO_VERIFY"
	p.value in {"0", "false"}
}

bad_value_ok(p) if {
	upper(p.key) != "GIT_SSL_NO_VERIFY"
	p.value == "1"
}
