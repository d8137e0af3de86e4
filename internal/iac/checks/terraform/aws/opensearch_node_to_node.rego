# METADATA
# title: OpenSearch/Elasticsearch node-to-node encryption disabled
# description: >-
#   node_to_node_encryption.enabled is not true, so traffic between cluster nodes is unencrypted inside the VPC.
# custom:
#   id: VGL-AWS-034
#   severity: MEDIUM
#   input: terraform
#   remediation: Set node_to_node_encryption { enabled = true }.
#   references: ["https://docs.aws.amazon.com/opensearch-service/latest/developerguide/ntn.html"]
#   controls: {}
package vigil.checks.terraform.aws.opensearch_node_to_node

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some t in ["aws_opensearch_domain", "aws_elasticsearch_domain"]
	some x in tf.resources_of(t)
	not ok(x)
	res := {"msg": sprintf("'%s' does not encrypt node-to-node traffic", [tf.label(x)]), "path": tf.block_attr_path(x, "node_to_node_encryption", "enabled")}
}

ok(x) if tf.attr_true(tf.block0(x.cfg, "node_to_node_encryption"), "enabled")

ok(x) if tf.is_unknown(tf.block0(x.cfg, "node_to_node_encryption"), "enabled")
