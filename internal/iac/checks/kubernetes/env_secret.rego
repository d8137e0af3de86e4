# METADATA
# title: Secret in a plain environment variable
# description: >-
#   An environment variable whose name looks like a credential carries a
#   literal value: the secret is stored in the manifest, in etcd and in every
#   copy of the YAML.
# custom:
#   id: VGL-K8S-024
#   severity: HIGH
#   input: kubernetes
#   remediation: Store the value in a Secret and reference it with valueFrom.secretKeyRef (or mount it as a file).
#   references: ["https://kubernetes.io/docs/concepts/configuration/secret/"]
#   controls: {cis_kubernetes: "5.4.1"}
package vigil.checks.kubernetes.env_secret

import data.vigil.lib.kubernetes as k8s
import rego.v1

# Names that hold credentials...
secret_name := `(?i)(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH_?KEY)`

# ...unless they only describe where a credential is or how it is used.
benign_suffix := `(?i)(_FILE|_PATH|_DIR|_URL|_URI|_NAME|_ENDPOINT|_TTL|_HEADER|_TYPE|_REF|_ID|_LENGTH|_EXPIRY|_EXPIRATION)$`

deny contains res if {
	some ctr in k8s.containers
	some i, env in ctr.container.env
	name := env.name
	is_string(name)
	regex.match(secret_name, name)
	not regex.match(benign_suffix, name)
	value := env.value
	is_string(value)
	trim_space(value) != ""
	not regex.match(`^\$\(.+\)$`, value)
	res := {
		"msg": sprintf("%s sets %s from a literal value", [k8s.container_label(ctr), name]),
		"path": array.concat(ctr.path, ["env", i, "value"]),
	}
}
