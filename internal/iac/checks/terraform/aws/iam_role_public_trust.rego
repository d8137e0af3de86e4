# METADATA
# title: IAM role can be assumed by anyone
# description: >-
#   The role's trust policy allows Principal "*" without a Condition: any AWS account can assume the role.
# custom:
#   id: VGL-AWS-059
#   severity: HIGH
#   input: terraform
#   remediation: Name the trusted accounts, roles or services in the trust policy, or add conditions (sts:ExternalId, aws:PrincipalOrgID).
#   references: ["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html"]
#   controls: {}
package vigil.checks.terraform.aws.iam_role_public_trust

import data.vigil.lib.aws
import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_iam_role")
	some path in aws.public_grants(x, "assume_role_policy")
	res := {"msg": sprintf("IAM role '%s' can be assumed by any principal", [tf.label(x)]), "path": path}
}
