package vigil.checks.dockerfile.base_image_tag_test

import data.vigil.checks.dockerfile.base_image_tag as check
import rego.v1

stage(name, image, tag, digest) := {"name": name, "from": {"image": image, "tag": tag, "digest": digest}}

test_latest_and_untagged if {
	r := check.deny with input as {"stages": [stage("b", "golang", "latest", ""), stage("", "ubuntu", "", "")]}
	r == {
		{"msg": "Base image 'golang' is not pinned to a version tag", "path": ["stages", 0, "from"]},
		{"msg": "Base image 'ubuntu' is not pinned to a version tag", "path": ["stages", 1, "from"]},
	}
}

test_stage_scratch_digest_and_arg if {
	count(check.deny) == 0 with input as {"stages": [
		stage("build", "golang", "1.22", ""),
		stage("", "build", "", ""),
		stage("", "scratch", "", ""),
		stage("", "alpine", "", "sha256:abc"),
		stage("", "${BASE}", "", ""),
	]}
}
