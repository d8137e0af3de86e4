package vigil.checks.terraform.aws.eks_audit_logging_test

import data.vigil.checks.terraform.aws.eks_audit_logging as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_eks_cluster", "c", {"enabled_cluster_log_types": ["api"]}]])
	[x.path | some x in r] == [["resources", 0, "config", "enabled_cluster_log_types"]]
}

test_audit if {
	count(check.deny) == 0 with input as f.tf([["aws_eks_cluster", "c", {"enabled_cluster_log_types": ["api", "audit"]}], ["aws_eks_cluster", "d", {"enabled_cluster_log_types": null}]])
}
