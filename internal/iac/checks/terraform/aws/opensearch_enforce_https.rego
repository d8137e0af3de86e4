# METADATA
# title: OpenSearch/Elasticsearch domain accepts plain HTTP
# description: >-
#   domain_endpoint_options.enforce_https = false lets clients talk to the domain without TLS.
# custom:
#   id: VGL-AWS-054
#   severity: MEDIUM
#   input: terraform
#   remediation: Set domain_endpoint_options { enforce_https = true, tls_security_policy = "Policy-Min-TLS-1-2-2019-07" }.
#   references: ["https://docs.aws.amazon.com/opensearch-service/latest/developerguide/infrastructure-security.html"]
#   controls: {}
package vigil.checks.terraform.aws.opensearch_enforce_https

import data.vigil.lib.terraform as tf
import rego.v1

deny contains res if {
	some t in ["aws_opensearch_domain", "aws_elasticsearch_domain"]
	some x in tf.resources_of(t)
	tf.attr_false(tf.block0(x.cfg, "domain_endpoint_options"), "enforce_https")
	res := {"msg": sprintf("'%s' does not enforce HTTPS", [tf.label(x)]), "path": array.concat(x.cfg_path, ["domain_endpoint_options", 0, "enforce_https"])}
}
