#!/usr/bin/env python3
"""Builds services/classify/model/place_stopwords.txt: common words that must not be read as a
one-word village or locality name ("Nagar", "Kala", "Bap" are villages, and words).

The words are the most frequent tokens of the project's training corpus (its template words;
place names removed) and, when ../shared/data is present, of the third-party Hindi, Hinglish and
English posts. Only the word list is committed, not the data. District names are never stopped.

    python3 data/gazetteer/build_stopwords.py [--shared ../shared/data]
"""
import argparse, csv, json, os, re, sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "data", "gen"))
import places  # noqa: E402

TOKEN = re.compile(r"[a-z]+|[\u0900-\u097f]+")


def tokens(text):
    text = re.sub(r"(@\w+|https?://\S+)", " ", text.lower())
    return TOKEN.findall(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared", "data"))
    args = ap.parse_args()
    keep = set()
    for slug, latin, deva, towns in places.D:
        for n in [slug, *latin, *deva] + [t for pair in towns for t in pair]:
            keep.update(tokens(n))
    counts = Counter()
    for line in open(os.path.join(ROOT, "data/corpus/train.jsonl"), encoding="utf-8"):
        counts.update(set(tokens(json.loads(line)["text"])))
    words = {w for w, c in counts.items() if c >= 5}
    sources = [("trac1/agr_hi_train.csv", 1), ("trac1/agr_en_train.csv", 1), ("constraint_hindi/train.csv", 0),
               ("complaints_en/complaints-data.csv", 1), ("mumbai_urban_issues/tweets_dataset.csv", 0)]
    shared = Counter()
    for path, col in sources:
        full = os.path.join(args.shared, path)
        if not os.path.exists(full):
            continue
        with open(full, encoding="utf-8", errors="replace") as f:
            for row in csv.reader(f):
                if len(row) > col:
                    shared.update(set(tokens(row[col])))
    words |= {w for w, _ in shared.most_common(20000)}
    words -= keep
    out = os.path.join(ROOT, "services/classify/model/place_stopwords.txt")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(sorted(w for w in words if len(w) > 1)) + "\n")
    print(f"{len(words)} words → {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
