# METADATA
# title: EKS control plane audit logging disabled
# description: >-
#   enabled_cluster_log_types does not include audit, so API server audit events are not sent to CloudWatch Logs.
# custom:
#   id: VGL-AWS-023
#   severity: MEDIUM
#   input: terraform
#   remediation: Set enabled_cluster_log_types to include "audit" (and "authenticator").
#   references: ["https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html"]
#   controls: {cis_eks: "2.1.1"}
package vigil.checks.terraform.aws.eks_audit_logging

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_eks_cluster")
	not tf.is_unknown(x.cfg, "enabled_cluster_log_types")
	not "audit" in tf.strs(object.get(x.cfg, "enabled_cluster_log_types", []))
	res := {"msg": sprintf("EKS cluster '%s' does not enable audit logs", [tf.label(x)]), "path": tf.attr_path(x, "enabled_cluster_log_types")}
}
