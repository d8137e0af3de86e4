package vigil.checks.dockerfile.base_image_digest_test

import data.vigil.checks.dockerfile.base_image_digest as check
import rego.v1

test_no_digest if {
	r := check.deny with input as {"stages": [{"name": "", "from": {"image": "alpine", "tag": "3.20", "digest": ""}}]}
	[x.path | some x in r] == [["stages", 0, "from"]]
}

test_digest if {
	count(check.deny) == 0 with input as {"stages": [{"name": "", "from": {"image": "alpine", "tag": "3.20", "digest": "sha256:abc"}}, {"name": "", "from": {"image": "scratch", "tag": "", "digest": ""}}]}
}
