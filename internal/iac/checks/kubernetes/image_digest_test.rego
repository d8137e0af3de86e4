package vigil.checks.kubernetes.image_digest_test

import data.vigil.checks.kubernetes.image_digest as check
import data.vigil.lib.fixtures as f
import rego.v1

test_tag_only if {
	r := check.deny with input as f.pod({"containers": [{"name": "a", "image": "nginx:1.27"}]})
	r == {{"msg": "Container 'a' of Pod 'p' uses image 'nginx:1.27' without a digest", "path": ["spec", "containers", 0, "image"]}}
}

test_digest if {
	count(check.deny) == 0 with input as f.deployment([f.hardened])
}
