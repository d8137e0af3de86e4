package vigil.checks.kubernetes.apparmor_unconfined_test

import data.vigil.checks.kubernetes.apparmor_unconfined as check
import data.vigil.lib.fixtures as f
import rego.v1

test_annotation if {
	inp := json.patch(f.deployment([f.hardened]), [{"op": "add", "path": "/spec/template/metadata/annotations", "value": {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}}])
	r := check.deny with input as inp
	r == {{"msg": "Deployment 'web' runs container 'app' with AppArmor profile unconfined", "path": ["spec", "template", "metadata", "annotations", "container.apparmor.security.beta.kubernetes.io/app"]}}
}

test_field if {
	r := check.deny with input as f.pod({"securityContext": {"appArmorProfile": {"type": "Unconfined"}}, "containers": [{"name": "a", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}]})
	{x.path | some x in r} == {["spec", "securityContext", "appArmorProfile", "type"], ["spec", "containers", 0, "securityContext", "appArmorProfile", "type"]}
}

test_runtime_default if {
	inp := json.patch(f.deployment([f.with_sc({"appArmorProfile": {"type": "RuntimeDefault"}})]), [{"op": "add", "path": "/spec/template/metadata/annotations", "value": {"container.apparmor.security.beta.kubernetes.io/app": "runtime/default"}}])
	count(check.deny) == 0 with input as inp
}
