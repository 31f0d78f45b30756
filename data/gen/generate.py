#!/usr/bin/env python3
"""Generates the project's labelled corpus (seeded, reproducible).

    python3 data/gen/generate.py train            # data/corpus/train.jsonl
    python3 data/gen/generate.py test --force     # data/corpus/test.jsonl (the FROZEN split)

The test split is frozen: it was generated once from test_templates.py, which shares no
sentence with train_templates.py, and is committed; regenerate it only deliberately (--force),
and never tune on it. Labels: id, text, mentions, category, urgency, language, district.
"""
import json, os, random, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import places, train_more, train_templates, test_templates  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SLOTS = {
    "item": {"en": ["bike", "motorcycle", "mobile phone", "purse", "gold chain", "car", "scooty", "laptop", "tractor"],
             "hi": ["बाइक", "मोटरसाइकिल", "मोबाइल", "पर्स", "सोने की चेन", "कार", "स्कूटी", "ट्रैक्टर"],
             "hl": ["bike", "mobile", "purse", "chain", "gaadi", "scooty", "bhains", "tractor"]},
    "amt": {"*": ["5000", "12,000", "45000", "1.5 lakh", "80 hazar", "₹25,000", "9999", "2 lakh"]},
    "time": {"en": ["last night", "this morning", "yesterday evening", "two days ago", "on Sunday"],
             "hi": ["कल रात", "आज सुबह", "परसों", "दो दिन पहले", "रविवार को"],
             "hl": ["kal raat", "aaj subah", "parso", "2 din pehle", "sunday ko"]},
    "rel": {"en": ["brother", "daughter", "father", "neighbour", "son", "cousin"],
            "hi": ["भाई", "बेटी", "पिताजी", "बेटा", "भतीजा"],
            "hl": ["bhai", "beti", "papa", "beta", "bhatija"]},
    "veh": {"*": ["RJ14CA1234", "RJ 19 SC 4521", "rj-04-cb-7788", "RJ27 KM 0091", "RJ 01 PA 3344"]},
    "ph": {"*": ["9829012345", "+91 98281 44556", "7014523698", "91166-77889", "09982233445"]},
}
NOWHERE = {"en": ["our area", "the city", "my colony", "our village"], "hi": ["हमारे इलाके", "शहर", "हमारी कॉलोनी", "गांव"],
           "hl": ["hamare area", "sheher", "hamari colony", "gaon"]}
EMOJI = ["🙏", "🙏🙏", "😡", "😢", "🚨", "!!", "!!!", "??", "…", "😊", "👍"]
TAGS = ["#RajasthanPolice", "#Help", "#SOS", "#Justice", "#राजस्थान_पुलिस", "#CyberCrime"]


def script_share(text):
    deva = sum(1 for c in text if "\u0900" <= c <= "\u097f")
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    return deva, latin


def language(text, form):
    deva, latin = script_share(text.split(" ", 1)[1] if text.startswith("@") else text)
    total = deva + latin
    if total and deva >= 0.25 * total and latin >= 0.25 * total:
        return "mixed"
    if deva > latin:
        return "hi"
    return {"en": "en", "hl": "hi-Latn"}.get(form, "hi-Latn" if form == "mx" else "en")


def misspell(rng, text):
    words = text.split(" ")
    i = rng.randrange(len(words))
    w = words[i]
    if w.isascii() and w.isalpha() and len(w) > 4:
        j = rng.randrange(1, len(w) - 1)
        words[i] = rng.choice([w[:j] + w[j + 1:], w[:j] + w[j] + w[j:], w[:j] + w[j + 1] + w[j] + w[j + 2:]])
    return " ".join(words)


def place(rng, district, script, prefer_town):
    slug, latin, deva, towns = district
    if towns and rng.random() < prefer_town:
        t = rng.choice(towns)
        return t[1] if script == "deva" else t[0]
    return rng.choice(deva if script == "deva" else latin)


def fill(rng, tpl, form, P):
    key = "hi" if form == "hi" else "en" if form == "en" else "hl"
    out = tpl.replace("{P}", P)
    for slot, values in SLOTS.items():
        while "{" + slot + "}" in out:
            vals = values.get("*") or values.get(key) or values["en"]
            out = out.replace("{" + slot + "}", rng.choice(vals), 1)
    return out


def make(rng, split, category, form, tpl, n):
    critical = tpl.startswith("!")
    tpl = tpl.lstrip("!")
    script = "deva" if form == "hi" else "latin" if form in ("en", "hl") else rng.choice(["deva", "latin"])
    mode = rng.random()
    district, mentions = None, []
    if mode < 0.15:
        district = rng.choice(sorted(places.DISTRICT_ACCOUNTS))
        mentions = [places.DISTRICT_ACCOUNTS[district]]
        if rng.random() < 0.3:
            mentions.insert(0, rng.choice(places.STATE_ACCOUNTS))
        d = next(x for x in places.D if x[0] == district)
        if rng.random() < 0.15:  # a place elsewhere: the district account still wins
            d = rng.choice(places.D)
        P = place(rng, d, script, 0.6) if "{P}" in tpl or rng.random() < 0.3 else None
    elif mode < 0.85 and not (category == "other" and "{P}" not in tpl):
        d = rng.choice(places.D)
        district = d[0]
        mentions = [rng.choice(places.STATE_ACCOUNTS)] if rng.random() < 0.93 else []
        P = place(rng, d, script, 0.7 if split == "test" else 0.55)
    else:
        mentions = [rng.choice(places.STATE_ACCOUNTS)] if rng.random() < 0.9 else []
        P = None
    key = "hi" if script == "deva" else ("en" if form == "en" else "hl")
    if "{P}" in tpl:
        text = fill(rng, tpl, form, P or rng.choice(NOWHERE[key]))
    else:
        text = fill(rng, tpl, form, "")
        if P:
            frame = rng.choice(["{P}: {t}", "{t} ({P})", "{t} - {P}", "{P} — {t}"])
            text = frame.replace("{P}", P).replace("{t}", text)
    urgency = {"emergency": "critical" if critical else "high", "sensitive": "high",
               "appreciation": "low", "other": "low"}.get(category, "normal")
    if split == "train" and form in ("hi", "en", "hl") and rng.random() < 0.12 and category not in ("other",):
        tail = rng.choice(train_templates.MIX_TAIL_LATIN if form == "hi" else train_templates.MIX_TAIL_DEVA)
        text = f"{text}, {tail}"
    if category in ("complaint", "query", "misinformation") and rng.random() < 0.15:
        text = f"{text} {rng.choice(train_templates.URGENT_TAIL[key] if split == 'train' else ['please hurry', 'फौरन', 'fauran'])}"
        urgency = "high"
    if category in ("complaint", "emergency") and rng.random() < 0.08:
        text += rng.choice([" contact {ph}", " मेरा नंबर {ph}", " call me {ph}", " UPI id ramesh.k@okaxis"]).replace(
            "{ph}", rng.choice(SLOTS["ph"]["*"]))
    r = rng.random()
    if r < 0.25 and script == "latin":
        text = text.lower()
    if rng.random() < 0.2:
        text = misspell(rng, text)
    if rng.random() < 0.25:
        text += " " + rng.choice(EMOJI)
    if rng.random() < 0.08:
        text += " " + rng.choice(TAGS)
    if mentions:
        text = (" ".join(mentions) + " " + text) if rng.random() < 0.8 else (text + " " + " ".join(mentions))
    return {"id": f"{'tr' if split == 'train' else 'te'}-{n:05d}", "text": text, "mentions": mentions,
            "category": category, "urgency": urgency, "language": language(text, form), "district": district}


def main():
    split = sys.argv[1] if len(sys.argv) > 1 else "train"
    out = os.path.join(ROOT, "corpus", f"{split}.jsonl")
    if split == "test" and os.path.exists(out) and "--force" not in sys.argv:
        sys.exit(f"{out} is the frozen split; pass --force to regenerate it deliberately")
    rng = random.Random(20261101 if split == "train" else 1729)
    templates = train_templates.T if split == "train" else test_templates.T
    if split == "train":
        templates = {c: {f: forms.get(f, []) + train_more.T.get(c, {}).get(f, []) for f in forms} for c, forms in templates.items()}
    per_template = 3
    rows = []
    for category, forms in templates.items():
        for form, tpls in forms.items():
            for tpl in tpls:
                reps = max(3, 900 // sum(len(v) for v in forms.values())) if split == "train" else per_template
                for _ in range(reps):
                    rows.append(make(rng, split, category, form, tpl, len(rows) + 1))
    with open(out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} posts → {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
