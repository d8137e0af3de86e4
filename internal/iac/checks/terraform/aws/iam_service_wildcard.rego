# METADATA
# title: IAM policy allows all actions of a service
# description: >-
#   An Allow statement with an action such as "s3:*" or "iam:*" grants every current and future action of the service, usually far more than needed.
# custom:
#   id: VGL-AWS-013
#   severity: MEDIUM
#   input: terraform
#   remediation: List the specific actions the principal needs.
#   references: ["https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"]
#   controls: {}
package vigil.checks.terraform.aws.iam_service_wildcard

import data.vigil.lib.aws
import rego.v1

deny contains res if {
	some st in aws.allow_statements
	some a in st.actions
	regex.match(`^[A-Za-z0-9-]+:\*$`, a)
	res := {"msg": sprintf("IAM policy '%s' allows '%s'", [st.label, a]), "path": st.path}
}
