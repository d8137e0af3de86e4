# METADATA
# title: Secret in ENV or ARG
# description: >-
#   ENV values are stored in the image configuration and ARG values in the
#   build history; anyone who can pull the image can read them. Flags an ENV
#   or ARG whose value matches a built-in secret rule (whatever its name),
#   and one whose name says it holds a secret and whose value is a literal.
# custom:
#   id: VGL-DF-007
#   severity: HIGH
#   input: dockerfile
#   remediation: Pass secrets with RUN --mount=type=secret (BuildKit) or at runtime, never with ENV/ARG values.
#   references: ["https://docs.docker.com/build/building/secrets/"]
#   controls: {cis_docker: "4.10"}
package vigil.checks.dockerfile.secret_env

import data.vigil.lib.dockerfile as df
import rego.v1

secret_name := `(?i)(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET_?KEY|CREDENTIALS?|AUTH_?KEY|_KEY$|^KEY$)`

benign_suffix := `(?i)(_FILE|_PATH|_DIR|_URL|_URI|_NAME|_ENDPOINT|_TTL|_HEADER|_TYPE|_ID|_LENGTH|_SIZE|_VERSION|_ALGORITHM)$`

# Public key material and fingerprints (ENV GPG_KEY in official images).
public_material := `(?i)(GPG|PGP|PUBLIC|SIGNING|FINGERPRINT|KEYRING|KEYSERVER)`

# A value in a credential format the secret rules know (the loader fills
# "secrets", with the value redacted).
deny contains res if {
	some cmd in ["env", "arg"]
	some x in df.by_cmd(cmd)
	some s in object.get(x.ins, "secrets", [])
	res := {"msg": sprintf("%s %s is set to a credential (%s: %s)", [upper(cmd), s.key, s.title, s.match]), "path": x.path}
}

# A secret-looking name with a literal value, unless the value is reported
# above.
deny contains res if {
	some p in df.env_pairs
	not value_is_credential(p)
	regex.match(secret_name, p.key)
	not regex.match(benign_suffix, p.key)
	not regex.match(public_material, p.key)
	v := trim(p.value, `"' `)
	v != ""
	not regex.match(`^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$`, v)
	res := {"msg": sprintf("%s sets %s to a literal value", [upper(p.cmd), p.key]), "path": p.path}
}

value_is_credential(p) if {
	some x in df.instructions
	x.path == p.path
	some s in object.get(x.ins, "secrets", [])
	s.key == p.key
}
