# METADATA
# title: IAM policy allows all actions
# description: >-
#   An Allow statement with Action "*" grants full administrative access (on the listed resources); least privilege is lost and any compromise of the principal is total.
# custom:
#   id: VGL-AWS-012
#   severity: HIGH
#   input: terraform
#   remediation: List only the actions the principal needs.
#   references: ["https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"]
#   controls: {cis_aws: "1.16"}
package vigil.checks.terraform.aws.iam_admin_policy

import data.vigil.lib.aws
import rego.v1

deny contains res if {
	some st in aws.allow_statements
	some a in st.actions
	a in {"*", "*:*"}
	res := {"msg": sprintf("IAM policy '%s' allows all actions ('%s') on %s", [st.label, a, on(st.resources)]), "path": st.path}
}

on(resources) := concat(", ", resources) if count(resources) > 0

else := "the statement's resources"
