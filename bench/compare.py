"""Compare a Vigil JSON report with an OSV-Scanner JSON report.

A finding is (ecosystem, package, version, group) where the group is the set
of every id and alias; two findings agree when their groups share an id.
"""
import json
import sys


def vigil(path):
    doc = json.load(open(path))
    pkgs = {(p["ecosystem"], p["name"], p["version"]) for p in doc["packages"]}
    finds = {}
    for v in doc["vulnerabilities"]:
        k = (v["package"]["ecosystem"], v["package"]["name"], v["package"]["version"])
        finds.setdefault(k, []).append({v["id"], *v["aliases"]})
    return pkgs, finds


def osv(path):
    doc = json.load(open(path))
    pkgs, finds = set(), {}
    for res in doc.get("results", []):
        for p in res.get("packages", []):
            pk = p["package"]
            k = (pk["ecosystem"], pk["name"], pk["version"])
            pkgs.add(k)
            recs = {v["id"]: {v["id"], *v.get("aliases", []), *v.get("upstream", [])} for v in p.get("vulnerabilities", [])}
            for g in p.get("groups", []):
                ids = set(g.get("ids", [])) | set(g.get("aliases", []))
                for i in g.get("ids", []):
                    ids |= recs.get(i, set())
                # A package found in two files is listed twice: one group each.
                if ids not in finds.setdefault(k, []):
                    finds[k].append(ids)
    return pkgs, finds


def main():
    name, vpath, opath = sys.argv[1:4]
    vp, vf = vigil(vpath)
    op, of = osv(opath)
    # Compare packages case-insensitively on the name (PyPI normalisation).
    norm = lambda s: {(e, n.lower().replace("_", "-").replace(".", "-"), v) for e, n, v in s}
    print(f"== {name}: packages vigil={len(vp)} osv-scanner={len(op)}; "
          f"findings vigil={sum(len(x) for x in vf.values())} osv-scanner={sum(len(x) for x in of.values())}")
    for k in sorted(norm(vp) - norm(op)):
        print("  package only in vigil:", k)
    for k in sorted(norm(op) - norm(vp)):
        print("  package only in osv-scanner:", k)
    nk = lambda k: (k[0], k[1].lower().replace("_", "-").replace(".", "-"), k[2])
    vfn = {nk(k): v for k, v in vf.items()}
    ofn = {nk(k): v for k, v in of.items()}
    diffs = 0
    for k in sorted(set(vfn) | set(ofn)):
        a, b = vfn.get(k, []), ofn.get(k, [])
        for g in a:
            if not any(g & h for h in b):
                diffs += 1
                print("  only vigil:", k, sorted(g)[:4])
        for h in b:
            if not any(g & h for g in a):
                diffs += 1
                print("  only osv-scanner:", k, sorted(h)[:4])
        if len(a) != len(b) and all(any(g & h for h in b) for g in a):
            print(f"  grouping differs: {k} vigil {len(a)} groups, osv-scanner {len(b)}")
    print(f"  differences: {diffs}")


if __name__ == "__main__":
    main()
