#!/usr/bin/env python3
"""Builds services/classify/model/places.tsv, the place table the classifier routes by.

Reads the third-party gazetteers in ../shared/data/gazetteer (LGD tehsils, blocks and urban
local bodies; GeoNames postal localities; police stations), the registry's districts, and the
project's reviewed lists beside this script (aliases.tsv, reassign.tsv). Writes one row per
(name, district): `name<TAB>district<TAB>tier<TAB>source`. The runtime folds every name to a
script-independent key (Devanagari is romanized), so Latin-only names also match Devanagari posts.

A name that two districts share at the same tier is dropped: routing a post to the wrong desk is
worse than sending it to HQ. Reviewed aliases always win. Output is sorted, so a rebuild from the
same inputs is byte-identical.

    python3 data/gazetteer/build_places.py [--shared ../shared/data] [--out services/classify/model/places.tsv]
"""
import argparse, csv, os, re, sys, tomllib
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# Old district names in LGD and GeoNames → registry slugs.
OLD = {"ganganagar": "sri-ganganagar", "sawai madhopur": "sawai-madhopur", "jalor": "jalore",
       "jhujhunu": "jhunjhunu", "jhunjhunun": "jhunjhunu"}
# Postal "localities" that are generic words or offices, not places.
GENERIC = re.compile(r"^(?:.*\b(?:h\.?o|s\.?o|b\.?o|court|collectorate|secretariat|university|"
                     r"cantt|bazar|market|road|colony|station|chowk|mandi|camp|ward|sector|"
                     r"city|town|industrial area)\b.*)$", re.I)


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                yield line.split("\t")


def slug_of(name):
    n = re.sub(r"\s+", " ", name.strip().lower())
    return OLD.get(n, n.replace(" ", "-"))


def clean(name):
    name = re.sub(r"\(.*?\)", " ", name)
    name = re.sub(r"\b(?:[HSB]\.\s*O\.?|Police Station|PS|Thana)\b", " ", name, flags=re.I)
    name = re.sub(r"[^\w\s\-\u0900-\u097F]", " ", name)
    return re.sub(r"\s+", " ", name).strip()


NUKTA = str.maketrans({"\u093c": None, "\u0958": "क", "\u0959": "ख", "\u095a": "ग", "\u095b": "ज",
                       "\u095c": "ड", "\u095d": "ढ", "\u095e": "फ", "\u095f": "य", "\u0901": "\u0902"})


def key(name):
    # Nukta and chandrabindu folded as the classifier's normalizer does.
    return re.sub(r"[\s\-]+", " ", name.lower().translate(NUKTA)).strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(ROOT, "services/classify/model/places.tsv"))
    args = ap.parse_args()
    gz = os.path.join(args.shared, "gazetteer")
    registry = tomllib.load(open(os.path.join(ROOT, "crates/registry/rajasthan.toml"), "rb"))
    districts = {u["slug"] for u in registry["units"] if u["kind"] == "district"}
    reassign = {key(t): d for t, d in read_tsv(os.path.join(HERE, "reassign.tsv"))}
    # candidates[(tier, key)] = {district: (name, source)}
    cand = defaultdict(dict)

    def add(name, district, tier, source):
        name = clean(name)
        if not name or district not in districts or any(c.isdigit() for c in name):
            return
        cand[(tier, key(name))].setdefault(district, (name, source))

    for u in registry["units"]:
        if u["kind"] == "district":
            for n in [u["name"], u["name_hi"], *u.get("aliases", [])]:
                add(n, u["slug"], 0, "registry")
    for en, hi, status, parent in list(read_tsv(os.path.join(gz, "rj_districts_curated.tsv")))[1:]:
        if status.startswith("current"):
            add(en, slug_of(en), 0, "curated")
            add(hi, slug_of(en), 0, "curated")
    lgd = os.path.join(gz, "lgd_planemad_2022")
    tehsil_district = {}
    for row in csv.DictReader(open(os.path.join(lgd, "rj_3-subdistrict.csv"), encoding="utf-8")):
        name = row["Sub-district Name"]
        d = reassign.get(key(name), slug_of(row["District Name"]))
        tehsil_district[key(name)] = d
        add(name, d, 1, "lgd-tehsil")
    for row in csv.reader(open(os.path.join(lgd, "rj_blocks.csv"), encoding="utf-8")):
        if row[0] == "S.No.":
            continue
        name = row[7].title()
        add(name, reassign.get(key(name), slug_of(row[4])), 1, "lgd-block")
    ulb_district = {}
    for row in csv.DictReader(open(os.path.join(lgd, "rj_municipal-directory.csv"), encoding="utf-8")):
        ulb_district.setdefault(key(row["Localbody Name"]), slug_of(row["District Name"]))
    for row in csv.DictReader(open(os.path.join(lgd, "rj_urban-local-body.csv"), encoding="utf-8")):
        en, hi = row["Local Body Name"], row["Local Body Name (In Local)"]
        d = reassign.get(key(en)) or ulb_district.get(key(en)) or tehsil_district.get(key(en))
        if d:
            add(en, d, 1, "lgd-ulb")
            add(hi, d, 1, "lgd-ulb")
    for f in read_tsv(os.path.join(gz, "geonames_postal_IN/rajasthan_postal.tsv")):
        name, district, tehsil = f[2], f[5], f[7]
        if GENERIC.match(name):
            continue
        d = reassign.get(key(tehsil)) or tehsil_district.get(key(tehsil)) or slug_of(district)
        add(name, d, 2, "geonames-postal")
    ps = os.path.join(gz, "police_stations_crimedekho")
    for row in csv.DictReader(open(os.path.join(ps, "jaipur_p.csv"), encoding="utf-8-sig")):
        if "Police Station" in row["Police_Station"] and not row["Police_Station"].startswith("Addl"):
            add(row["Police_Station"], "jaipur", 2, "police-station")
    for row in csv.DictReader(open(os.path.join(ps, "raj_police.csv"), encoding="utf-8-sig")):
        add(row["Address"], "kota", 2, "police-station")

    rows, dropped = {}, 0
    for (tier, k), by_district in cand.items():
        if len(by_district) > 1:
            dropped += 1
            continue
        (d, (name, source)), = by_district.items()
        rows[(k, d)] = (name, d, min(tier, rows.get((k, d), (0, 0, 9))[2]), source)
    # A lower-tier name another district owns at a higher tier is ambiguous too.
    owner = defaultdict(set)
    for (k, d), r in rows.items():
        owner[k].add(d)
    rows = {kd: r for kd, r in rows.items() if len(owner[kd[0]]) == 1 or r[2] == 0}
    for name, d, tier, note in read_tsv(os.path.join(HERE, "aliases.tsv")):
        rows = {kd: r for kd, r in rows.items() if kd[0] != key(name)}
        rows[(key(name), d)] = (name, d, int(tier), "reviewed-alias")
    out = sorted(rows.values(), key=lambda r: (r[2], r[1], r[0]))
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("# name\tdistrict\ttier\tsource  (built by data/gazetteer/build_places.py; do not edit)\n")
        for r in out:
            f.write(f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\n")
    print(f"{len(out)} places, {dropped} ambiguous names dropped → {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
