package vigil.checks.terraform.aws.eks_secrets_encryption_test

import data.vigil.checks.terraform.aws.eks_secrets_encryption as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.tf([["aws_eks_cluster", "c", {"name": "c"}]])
	[x.path | some x in r] == [["resources", 0, "config"]]
}

test_encrypted if {
	count(check.deny) == 0 with input as f.tf([["aws_eks_cluster", "c", {"encryption_config": [{"resources": ["secrets"], "provider": [{"key_arn": "k"}]}]}]])
}
