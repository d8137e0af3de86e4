package vigil.checks.dockerfile.pipe_to_shell_test

import data.vigil.checks.dockerfile.pipe_to_shell as check
import data.vigil.lib.fixtures as f
import rego.v1

test_curl_sh if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["run", "curl -fsSL https://get.example.com | sh"]])
	[x.path | some x in r] == [["instructions", 1]]
}

test_wget_bash if {
	r := check.deny with input as f.dockerfile([["from", "alpine:3.20"], ["run", "wget -qO- https://x.example/i.sh | sudo bash -s -- -y"]])
	count(r) == 1
}

test_download_then_verify if {
	count(check.deny) == 0 with input as f.dockerfile([["from", "alpine:3.20"], ["run", "curl -fsSLo i.sh https://x.example/i.sh && sha256sum -c i.sha256 && sh i.sh"], ["run", "curl -s https://x | tar xz"]])
}
