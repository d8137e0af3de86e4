# METADATA
# title: Dockerfile helpers
# description: >-
#   Helpers over the parsed Dockerfile: stages, the final stage, instructions by
#   command with their paths, and RUN command splitting.
package vigil.lib.dockerfile

import rego.v1

stages := s if {
	s := input.stages
	is_array(s)
} else := []

last_stage := count(stages) - 1

# instructions contains {"ins": <instruction>, "path": ["instructions", i], "stage": s}.
instructions contains {"ins": ins, "path": ["instructions", i], "stage": object.get(ins, "stage", 0)} if {
	is_array(input.instructions)
	some i, ins in input.instructions
	is_object(ins)
}

# by_cmd(cmd): instructions with that (lower-case) command.
by_cmd(cmd) := s if {
	s := grouped[cmd]
} else := set()

# grouped: instructions by command, computed once per evaluation.
grouped := {c: {x | some x in instructions; lower(x.ins.cmd) == c} |
	some y in instructions
	c := lower(y.ins.cmd)
}

# text of an instruction: its value, or its args joined when value is empty.
text(ins) := v if {
	v := ins.value
	is_string(v)
	v != ""
} else := concat(" ", [a | some a in ins.args; is_string(a)]) if {
	is_array(ins.args)
} else := ""

runs := by_cmd("run")

# commands(s): the simple commands of a shell line (split on &&, ||, ;, |, newline).
commands(s) := [trim_space(c) |
	some c in regex.split(`&&|\|\||;|\||\n`, s)
	trim_space(c) != ""
]

# Names of stages (lower-case), by index.
stage_name(i) := lower(n) if {
	n := stages[i].name
	is_string(n)
	n != ""
}

# external(i): stage i is built FROM an external image (not scratch, not an
# earlier stage, not an unresolved build argument).
external(i) if {
	img := lower(stages[i].from.image)
	img != ""
	img != "scratch"
	not contains(img, "$")
	not earlier_stage(i, img)
}

earlier_stage(i, img) if {
	some j, _ in stages
	j < i
	stage_name(j) == img
}

# from_path(i): path of stage i's FROM.
from_path(i) := ["stages", i, "from"]

# env_pairs contains {"key": k, "value": v, "path": p, "cmd": "env"|"arg"} for
# ENV and ARG. args is either a flat [k1, v1, k2, v2 ...] list or a list of
# "k=v" words; both are accepted ("ARG NAME" without a value gives value "").
env_pairs contains {"key": k, "value": v, "path": x.path, "cmd": cmd, "stage": x.stage} if {
	some cmd in ["env", "arg"]
	some x in by_cmd(cmd)
	args := x.ins.args
	is_array(args)
	not kv_words(args)
	some j, k in args
	j % 2 == 0
	v := arg_at(args, j + 1)
}

env_pairs contains {"key": kv[0], "value": kv[1], "path": x.path, "cmd": cmd, "stage": x.stage} if {
	some cmd in ["env", "arg"]
	some x in by_cmd(cmd)
	args := x.ins.args
	kv_words(args)
	some w in args
	kv := split_kv(w)
}

kv_words(args) if {
	count(args) > 0
	every a in args {
		is_string(a)
		contains(a, "=")
	}
}

split_kv(w) := [substring(w, 0, i), substring(w, i + 1, -1)] if {
	i := indexof(w, "=")
	i > 0
}

arg_at(args, j) := args[j] if j < count(args)

else := ""

# parents: stage index -> [index of the earlier stage it is built FROM].
parents[i] := [j] if {
	some i, st in stages
	img := lower(st.from.image)
	some j, _ in stages
	j < i
	stage_name(j) == img
	not later_same_name(i, j, img)
}

parents[i] := [] if {
	some i, st in stages
	not has_parent(i)
}

has_parent(i) if {
	img := lower(stages[i].from.image)
	some j, _ in stages
	j < i
	stage_name(j) == img
}

later_same_name(i, j, img) if {
	some k, _ in stages
	j < k
	k < i
	stage_name(k) == img
}

# final_chain: the shipped (last) stage and every stage it is built FROM.
final_chain := graph.reachable(parents, [last_stage])

# ships(i): stage i ends up in the final image's layers.
ships(i) if final_chain[i]

# in_stage(x, i): instruction x belongs to stage i.
in_stage(x, i) if x.stage == i
