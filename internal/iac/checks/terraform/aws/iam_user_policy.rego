# METADATA
# title: IAM policy attached directly to a user
# description: >-
#   Permissions granted to individual users are hard to review and revoke; grant them through groups or roles.
# custom:
#   id: VGL-AWS-044
#   severity: LOW
#   input: terraform
#   remediation: Attach the policy to a group (or role) and add the user to it.
#   references: ["https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html"]
#   controls: {cis_aws: "1.15"}
package vigil.checks.terraform.aws.iam_user_policy

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some t in ["aws_iam_user_policy", "aws_iam_user_policy_attachment"]
	some x in tf.resources_of(t)
	res := {"msg": sprintf("'%s' grants permissions directly to a user", [tf.label(x)]), "path": tf.attr_path(x, "user")}
}

deny contains res if {
	some x in tf.resources_of("aws_iam_policy_attachment")
	count(tf.strs(object.get(x.cfg, "users", []))) > 0
	res := {"msg": sprintf("'%s' attaches a policy directly to users", [tf.label(x)]), "path": array.concat(x.cfg_path, ["users"])}
}
