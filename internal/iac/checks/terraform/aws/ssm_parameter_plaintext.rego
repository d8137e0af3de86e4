# METADATA
# title: Secret stored as a plain-text SSM parameter
# description: >-
#   A parameter whose name looks like a credential uses type String (or StringList) instead of SecureString, so its value is stored and shown unencrypted.
# custom:
#   id: VGL-AWS-055
#   severity: MEDIUM
#   input: terraform
#   remediation: Use type SecureString (with a KMS key).
#   references: ["https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-securestring.html"]
#   controls: {}
package vigil.checks.terraform.aws.ssm_parameter_plaintext

import data.vigil.lib.terraform as tf
import rego.v1

secret_name := `(?i)(password|passwd|secret|token|api[_-]?key|private[_-]?key|credential)`

deny contains res if {
	some x in tf.resources_of("aws_ssm_parameter")
	name := x.cfg.name
	is_string(name)
	regex.match(secret_name, name)
	x.cfg.type in {"String", "StringList"}
	res := {"msg": sprintf("SSM parameter '%s' (%s) is not a SecureString", [tf.label(x), name]), "path": array.concat(x.cfg_path, ["type"])}
}
