# METADATA
# title: Weak IAM account password policy
# description: >-
#   The account password policy requires fewer than 14 characters or remembers fewer than 24 previous passwords (omitted attributes use AWS's weak defaults).
# custom:
#   id: VGL-AWS-045
#   severity: MEDIUM
#   input: terraform
#   remediation: Set minimum_password_length >= 14 and password_reuse_prevention = 24.
#   references: ["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html"]
#   controls: {cis_aws: "1.8, 1.9"}
package vigil.checks.terraform.aws.iam_password_policy

import data.vigil.lib.terraform as tf
import rego.v1

minimums := {"minimum_password_length": 14, "password_reuse_prevention": 24}

deny contains res if {
	some x in tf.resources_of("aws_iam_account_password_policy")
	some attr, min in minimums
	too_low(x.cfg, attr, min)
	res := {"msg": sprintf("Password policy '%s' sets %s below %d", [tf.label(x), attr, min]), "path": tf.attr_path(x, attr)}
}

too_low(cfg, attr, _) if not tf.has_key(cfg, attr)

too_low(cfg, attr, min) if tf.num(cfg[attr]) < min
