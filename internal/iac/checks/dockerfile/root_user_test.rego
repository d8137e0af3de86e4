package vigil.checks.dockerfile.root_user_test

import data.vigil.checks.dockerfile.root_user as check
import data.vigil.lib.fixtures as f
import rego.v1

test_no_user if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["run", "apk add curl"]])
	r == {{"msg": "The final stage does not set USER: the image runs as root", "path": ["stages", 0, "from"]}}
}

test_last_user_root if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["user", "app"], ["run", "id"], ["user", "0:0"]])
	[x.path | some x in r] == [["instructions", 3]]
}

test_non_root if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "alpine:3.20"], ["user", "root"], ["run", "apk add curl"], ["user", "10001"]])
}

multi(final_user) := {
	"stages": [
		{"name": "base", "from": {"image": "debian", "tag": "12", "digest": ""}, "instructions": []},
		{"name": "build", "from": {"image": "golang", "tag": "1.22", "digest": ""}, "instructions": []},
		{"name": "", "from": {"image": "base", "tag": "", "digest": ""}, "instructions": []},
	],
	"instructions": array.concat(
		[
			{"cmd": "from", "value": "debian:12 AS base", "args": [], "stage": 0},
			{"cmd": "user", "value": "app", "args": ["app"], "stage": 0},
			{"cmd": "from", "value": "golang:1.22 AS build", "args": [], "stage": 1},
			{"cmd": "user", "value": "root", "args": ["root"], "stage": 1},
			{"cmd": "from", "value": "base", "args": [], "stage": 2},
		],
		final_user,
	),
}

test_user_inherited_from_parent_stage if {
	count(check.deny) == 0 with input as multi([])
}

test_root_in_final_overrides_parent if {
	r := check.deny with input as multi([{"cmd": "user", "value": "root", "args": ["root"], "stage": 2}])
	[x.path | some x in r] == [["instructions", 5]]
}

test_build_stage_user_ignored if {
	inp := {
		"stages": [
			{"name": "build", "from": {"image": "golang", "tag": "1.22", "digest": ""}},
			{"name": "", "from": {"image": "alpine", "tag": "3", "digest": ""}},
		],
		"instructions": [
			{"cmd": "from", "value": "golang:1.22 AS build", "args": [], "stage": 0},
			{"cmd": "user", "value": "app", "args": ["app"], "stage": 0},
			{"cmd": "from", "value": "alpine:3", "args": [], "stage": 1},
		],
	}
	r := check.deny with input as inp
	[x.path | some x in r] == [["stages", 1, "from"]]
}
