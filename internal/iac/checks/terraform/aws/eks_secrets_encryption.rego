# METADATA
# title: EKS secrets not encrypted with a customer managed key
# description: >-
#   Without encryption_config for secrets, Kubernetes secrets are encrypted only with the AWS-owned default key; a customer managed KMS key adds access control and auditability.
# custom:
#   id: VGL-AWS-022
#   severity: LOW
#   input: terraform
#   remediation: Add encryption_config { resources = ["secrets"] provider { key_arn = ... } }.
#   references: ["https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html"]
#   controls: {}
package vigil.checks.terraform.aws.eks_secrets_encryption

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_eks_cluster")
	not encrypts_secrets(x)
	res := {"msg": sprintf("EKS cluster '%s' does not encrypt secrets with a KMS key", [tf.label(x)]), "path": tf.block_attr_path(x, "encryption_config", "resources")}
}

encrypts_secrets(x) if {
	some e in tf.blocks(x.cfg, "encryption_config")
	"secrets" in tf.strs(e.resources)
}

encrypts_secrets(x) if {
	some e in tf.blocks(x.cfg, "encryption_config")
	e.resources == null
}
