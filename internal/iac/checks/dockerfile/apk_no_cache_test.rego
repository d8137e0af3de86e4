package vigil.checks.dockerfile.apk_no_cache_test

import data.vigil.checks.dockerfile.apk_no_cache as check
import data.vigil.lib.fixtures as f
import rego.v1

test_missing if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["run", "apk update && apk add curl"]])
	[x.path | some x in r] == [["instructions", 1]]
}

test_no_cache if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "alpine:3.20"], ["run", "apk add --no-cache curl"], ["run", "apk add curl && rm -rf /var/cache/apk/*"]])
}
