package vigil.checks.dockerfile.apt_command_test

import data.vigil.checks.dockerfile.apt_command as check
import data.vigil.lib.fixtures as f
import rego.v1

test_apt if {
	r := check.deny with input as f.dockerfile([["from", "debian:12"], ["run", "apt update && apt install -y curl"]])
	{x.msg | some x in r} == {"RUN uses apt instead of apt-get (apt update)", "RUN uses apt instead of apt-get (apt install -y curl)"}
}

test_apt_get if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "debian:12"], ["run", "apt-get update && apt-get install -y curl && apt-cache policy curl"]])
}
