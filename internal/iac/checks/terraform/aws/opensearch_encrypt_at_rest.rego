# METADATA
# title: OpenSearch/Elasticsearch domain not encrypted at rest
# description: >-
#   encrypt_at_rest.enabled is not true, so indices, logs and snapshots are stored unencrypted.
# custom:
#   id: VGL-AWS-033
#   severity: HIGH
#   input: terraform
#   remediation: Set encrypt_at_rest { enabled = true } (requires a supported instance type).
#   references: ["https://docs.aws.amazon.com/opensearch-service/latest/developerguide/encryption-at-rest.html"]
#   controls: {}
package vigil.checks.terraform.aws.opensearch_encrypt_at_rest

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some t in ["aws_opensearch_domain", "aws_elasticsearch_domain"]
	some x in tf.resources_of(t)
	not ok(x)
	res := {"msg": sprintf("'%s' is not encrypted at rest", [tf.label(x)]), "path": tf.block_attr_path(x, "encrypt_at_rest", "enabled")}
}

ok(x) if tf.attr_true(tf.block0(x.cfg, "encrypt_at_rest"), "enabled")

ok(x) if tf.is_unknown(tf.block0(x.cfg, "encrypt_at_rest"), "enabled")
