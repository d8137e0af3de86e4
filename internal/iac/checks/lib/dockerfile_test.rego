package vigil.lib.dockerfile_test

import data.vigil.lib.dockerfile as df
import rego.v1

test_env_pairs_formats if {
	inp := {"stages": [], "instructions": [
		{"cmd": "env", "args": ["A", "1", "B", "x=y"], "stage": 0},
		{"cmd": "env", "args": ["C=3", "D="], "stage": 0},
		{"cmd": "arg", "args": ["E"], "stage": 0},
	]}
	{[p.key, p.value] | some p in df.env_pairs} with input as inp == {["A", "1"], ["B", "x=y"], ["C", "3"], ["D", ""], ["E", ""]}
}

test_final_chain if {
	inp := {"stages": [
		{"name": "base", "from": {"image": "debian"}},
		{"name": "build", "from": {"image": "golang"}},
		{"name": "app", "from": {"image": "BASE"}},
		{"name": "", "from": {"image": "app"}},
	]}
	df.final_chain with input as inp == {0, 2, 3}
	df.external(0) with input as inp
	not df.external(2) with input as inp
}

test_commands if {
	df.commands("a && b || c; d | e\nf") == ["a", "b", "c", "d", "e", "f"]
}
