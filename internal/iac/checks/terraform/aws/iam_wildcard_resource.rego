# METADATA
# title: IAM policy allows write actions on all resources
# description: >-
#   An unconditional Allow statement applies specific non-read actions to Resource "*"; scope the resources with ARNs. Read-only actions (Describe/List/Get ...) and statements with a Condition are not reported; wildcard actions are reported by VGL-AWS-012/013.
# custom:
#   id: VGL-AWS-014
#   severity: MEDIUM
#   input: terraform
#   remediation: Replace Resource "*" with the ARNs of the resources the actions need, or add conditions.
#   references: ["https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"]
#   controls: {}
package vigil.checks.terraform.aws.iam_wildcard_resource

import data.vigil.lib.aws
import rego.v1

read_only := `^[A-Za-z0-9-]+:(Describe|List|Get|Head|BatchGet|Query|Scan|Search|Lookup|View|Select)[A-Za-z0-9*]*$`

deny contains res if {
	some st in aws.allow_statements
	"*" in st.resources
	not st.conditional
	writes := [a |
		some a in st.actions
		not regex.match(read_only, a)
		not a in {"*", "*:*"}
		not regex.match(`^[A-Za-z0-9-]+:\*$`, a)
	]
	count(writes) > 0
	res := {"msg": sprintf("IAM policy '%s' allows %s on all resources", [st.label, concat(", ", writes)]), "path": st.path}
}
