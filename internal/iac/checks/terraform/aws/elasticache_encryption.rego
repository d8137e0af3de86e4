# METADATA
# title: ElastiCache replication group not encrypted
# description: >-
#   at_rest_encryption_enabled or transit_encryption_enabled is false or missing, so cached data (often sessions and tokens) is stored or transmitted in clear.
# custom:
#   id: VGL-AWS-049
#   severity: MEDIUM
#   input: terraform
#   remediation: Set at_rest_encryption_enabled and transit_encryption_enabled to true.
#   references: ["https://docs.aws.amazon.com/AmazonElastiCache/latest/red-ug/encryption.html"]
#   controls: {}
package vigil.checks.terraform.aws.elasticache_encryption

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some x in tf.resources_of("aws_elasticache_replication_group")
	some attr in ["at_rest_encryption_enabled", "transit_encryption_enabled"]
	tf.missing_or_false(x.cfg, attr)
	res := {"msg": sprintf("ElastiCache replication group '%s' does not set %s", [tf.label(x), attr]), "path": tf.attr_path(x, attr)}
}
