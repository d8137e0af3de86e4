package vigil.checks.kubernetes.image_tag_test

import data.vigil.checks.kubernetes.image_tag as check
import data.vigil.lib.fixtures as f
import rego.v1

test_latest_and_untagged if {
	r := check.deny with input as f.pod({"containers": [{"name": "a", "image": "nginx:latest"}, {"name": "b", "image": "localhost:5000/team/app"}, {"name": "c", "image": "nginx:1.27"}]})
	{x.path | some x in r} == {["spec", "containers", 0, "image"], ["spec", "containers", 1, "image"]}
}

test_digest if {
	count(check.deny) == 0 with input as f.pod({"containers": [{"name": "a", "image": "nginx@sha256:abc"}, {"name": "b", "image": "registry:5000/nginx:1.2"}]})
}
