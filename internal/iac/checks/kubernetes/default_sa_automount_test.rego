package vigil.checks.kubernetes.default_sa_automount_test

import data.vigil.checks.kubernetes.default_sa_automount as check
import rego.v1

test_default_automount if {
	r := check.deny with input as {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "shop"}}
	[x.path | some x in r] == [["metadata"]]
}

test_disabled if {
	count(check.deny) == 0 with input as {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}, "automountServiceAccountToken": false}
}

test_other_sa if {
	count(check.deny) == 0 with input as {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web"}}
}
