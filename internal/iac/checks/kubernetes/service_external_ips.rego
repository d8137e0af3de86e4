# METADATA
# title: Service sets externalIPs
# description: >-
#   externalIPs can be used to intercept traffic to arbitrary addresses inside
#   the cluster (CVE-2020-8554); restrict them with an admission policy.
# custom:
#   id: VGL-K8S-043
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Remove spec.externalIPs; use a LoadBalancer or Ingress.
#   references: ["https://github.com/kubernetes/kubernetes/issues/97076"]
#   controls: {}
package vigil.checks.kubernetes.service_external_ips

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	input.kind == "Service"
	count(input.spec.externalIPs) > 0
	res := {"msg": sprintf("%s sets externalIPs", [k8s.label]), "path": ["spec", "externalIPs"]}
}
