# METADATA
# title: EKS node group allows SSH from anywhere
# description: >-
#   remote_access names an SSH key but no source_security_group_ids, so EKS opens port 22 on the nodes to 0.0.0.0/0.
# custom:
#   id: VGL-AWS-057
#   severity: MEDIUM
#   input: terraform
#   remediation: Set remote_access.source_security_group_ids, or drop remote_access and use SSM Session Manager.
#   references: ["https://docs.aws.amazon.com/eks/latest/APIReference/API_RemoteAccessConfig.html"]
#   controls: {}
package vigil.checks.terraform.aws.eks_node_group_ssh

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_eks_node_group")
	some j, ra in tf.blocks(x.cfg, "remote_access")
	tf.has_key(ra, "ec2_ssh_key")
	count(tf.strs(object.get(ra, "source_security_group_ids", []))) == 0
	not tf.is_unknown(ra, "source_security_group_ids")
	res := {"msg": sprintf("EKS node group '%s' opens SSH to the internet", [tf.label(x)]), "path": array.concat(x.cfg_path, ["remote_access", j])}
}
