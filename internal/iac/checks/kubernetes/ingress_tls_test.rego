package vigil.checks.kubernetes.ingress_tls_test

import data.vigil.checks.kubernetes.ingress_tls as check
import rego.v1

test_no_tls if {
	r := check.deny with input as {"kind": "Ingress", "metadata": {"name": "i"}, "spec": {"rules": [{"host": "a.example.com"}]}}
	r == {{"msg": "Ingress 'i' does not configure TLS", "path": ["spec"]}}
}

test_tls if {
	count(check.deny) == 0 with input as {"kind": "Ingress", "metadata": {"name": "i"}, "spec": {"tls": [{"hosts": ["a.example.com"], "secretName": "a"}]}}
}
