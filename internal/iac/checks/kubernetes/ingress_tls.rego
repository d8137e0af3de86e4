# METADATA
# title: Ingress without TLS
# description: The Ingress has no tls section, so traffic to it is served over plain HTTP.
# custom:
#   id: VGL-K8S-034
#   severity: MEDIUM
#   input: kubernetes
#   remediation: Add spec.tls with a certificate secret for the Ingress hosts.
#   references: ["https://kubernetes.io/docs/concepts/services-networking/ingress/#tls"]
#   controls: {}
package vigil.checks.kubernetes.ingress_tls

import data.vigil.lib.kubernetes as k8s
import rego.v1

deny contains res if {
	input.kind == "Ingress"
	not has_tls
	res := {"msg": sprintf("%s does not configure TLS", [k8s.label]), "path": ["spec"]}
}

has_tls if count(input.spec.tls) > 0
