package vigil.checks.kubernetes.default_namespace_test

import data.vigil.checks.kubernetes.default_namespace as check
import rego.v1

test_default if {
	r := check.deny with input as {"kind": "Service", "metadata": {"name": "s", "namespace": "default"}}
	r == {{"msg": "Service 's' is in the default namespace", "path": ["metadata", "namespace"]}}
}

test_other_or_missing if {
	count(check.deny) == 0 with input as {"kind": "Service", "metadata": {"name": "s", "namespace": "shop"}}
	count(check.deny) == 0 with input as {"kind": "Service", "metadata": {"name": "s"}}
}
