# METADATA
# title: EKS API endpoint open to the internet
# description: >-
#   The cluster's public endpoint is enabled (the default) and reachable from 0.0.0.0/0 (the default when public_access_cidrs is omitted).
# custom:
#   id: VGL-AWS-021
#   severity: HIGH
#   input: terraform
#   remediation: Set vpc_config.endpoint_public_access to false (with endpoint_private_access true), or restrict public_access_cidrs.
#   references: ["https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html"]
#   controls: {}
package vigil.checks.terraform.aws.eks_public_endpoint

import data.vigil.lib.aws
import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_eks_cluster")
	vpc := tf.block0(x.cfg, "vpc_config")
	not tf.attr_false(vpc, "endpoint_public_access")
	not tf.is_unknown(vpc, "endpoint_public_access")
	open_cidrs(vpc)
	res := {"msg": sprintf("EKS cluster '%s' exposes its API endpoint to the internet", [tf.label(x)]), "path": path(x)}
}

open_cidrs(vpc) if not tf.has_key(vpc, "public_access_cidrs")

open_cidrs(vpc) if {
	some c in tf.strs(vpc.public_access_cidrs)
	aws.open_cidrs[c]
}

path(x) := tf.block_attr_path(x, "vpc_config", "public_access_cidrs") if {
	tf.has_key(tf.block0(x.cfg, "vpc_config"), "public_access_cidrs")
} else := tf.block_attr_path(x, "vpc_config", "endpoint_public_access")
