//! Place names → districts, over phonetic keys (`translit::key`), so a name
//! known only in Latin script (most tehsils, villages and police stations)
//! also matches when a post writes it in Devanagari, and common misspellings
//! meet their names.
//!
//! The table is `model/places.tsv` (built by `data/gazetteer/build_places.py`
//! from the LGD, GeoNames and police-station lists plus a reviewed alias list)
//! and the registry's own names and aliases. Tiers: 0 district names, 1 towns
//! and tehsils, 2 localities and police stations. A name whose key two
//! districts share at the same tier is dropped (a wrong desk is worse than
//! HQ), and so are single words that are common in posts (`place_stopwords.txt`
//! plus a short built-in list), because villages are often named like words.

use std::collections::HashMap;

use tvarit_registry::{Registry, UnitKind};

use crate::baseline::matcher::FastMap;
use crate::baseline::normalize::phrase_tokens;
pub use crate::routing::Route;
use crate::translit::key;

const PLACES_TSV: &str = include_str!("../model/places.tsv");
const STOPWORDS: &str = include_str!("../model/place_stopwords.txt");

/// Words that name villages somewhere but mean something else in a post.
#[rustfmt::skip]
const BUILT_IN_STOP: &[&str] = &[
    "nagar", "gaon", "gram", "shahar", "city", "road", "station", "thana", "police", "mandi", "bazar",
    "market", "colony", "ward", "chowk", "gali", "mohalla", "basti", "pura", "wala", "bada", "badi",
    "bari", "naya", "purana", "kala", "lal", "hari", "ram", "mata", "devi", "mandir", "school",
    "bus", "stand", "gate", "pul", "nadi", "sagar", "garh", "ganj", "kot", "dham", "raja", "rani",
    "singh", "main", "pani", "khet", "pahadi", "bap", "baap", "sheo", "shiv", "sam", "nawa", "bali",
    "aau", "ghar", "hai", "sadar", "jila", "zila", "नगर", "गांव", "शहर", "थाना", "मंडी", "बाजार",
];

/// How much a mention counts, by tier: a district named outright beats a
/// village that shares nothing else with the post.
const TIER_WEIGHT: [f32; 3] = [1.0, 0.9, 0.6];

#[derive(Debug)]
struct Place {
    district: u16,
    tier: u8,
    name: Box<str>,
    /// A one-word village or locality from a third-party list: counted only
    /// beside a cue word (`gaon X`, `X thana`), since thousands of village
    /// names are also words (`Kachra` is a village, and garbage).
    needs_cue: bool,
    /// A police station's name (`police-station` rows of the table): a case
    /// naming it carries the station (`{police_station}` in templates).
    station: bool,
}

/// (district, tier, name, needs a cue, a police station) while the table is built.
type Owner<'a> = (u16, u8, &'a str, bool, bool);

/// (keys, district, tier, name, reviewed, a police station): a name as read.
type Named<'a> = (Vec<String>, u16, u8, &'a str, bool, bool);

/// Words that announce a place name next to them.
#[rustfmt::skip]
const CUES: &[&str] = &[
    "gaon", "gav", "gram", "village", "vill", "thana", "ps", "tehsil", "dhani", "kasba", "mohalla", "panchayat",
    "गांव", "गाँव", "ग्राम", "थाना", "थाने", "तहसील", "ढाणी", "कस्बा", "कस्बे", "मोहल्ला", "पंचायत",
];

#[derive(Debug)]
struct Entry {
    rest: Box<[Box<str>]>,
    place: u32,
}

#[derive(Debug)]
pub struct Gazetteer {
    first: FastMap<Box<str>, Vec<Entry>>,
    /// One-word names whose key is too short to be told from common words
    /// (`Kaman` and `kaam` share `km`): matched on the word as written.
    exact: FastMap<Box<str>, u32>,
    /// Keys of `CUES`.
    cues: Vec<String>,
    places: Vec<Place>,
    districts: Vec<Box<str>>,
}

impl Gazetteer {
    pub fn new(registry: &Registry) -> Self {
        let districts: Vec<Box<str>> =
            registry.units().iter().filter(|u| u.kind == UnitKind::District).map(|u| u.slug.as_str().into()).collect();
        let index: HashMap<&str, u16> = districts.iter().enumerate().map(|(i, d)| (&**d, i as u16)).collect();
        let words = || STOPWORDS.lines().chain(BUILT_IN_STOP.iter().copied()).map(str::trim);
        let stop: std::collections::HashSet<String> = words().map(key).collect();
        let stop_words: std::collections::HashSet<&str> = words().collect();
        let mut names: Vec<Named<'_>> = Vec::new();
        for u in registry.units().iter().filter(|u| u.kind == UnitKind::District) {
            let d = index[u.slug.as_str()];
            for n in [&u.name, &u.name_hi, &u.slug].into_iter().chain(&u.aliases) {
                names.push((keys(n), d, 0, n, true, false));
            }
        }
        for line in PLACES_TSV.lines().filter(|l| !l.starts_with('#')) {
            let mut f = line.split('\t');
            let (Some(name), Some(district), Some(tier)) = (f.next(), f.next(), f.next()) else { continue };
            let (Some(&d), Ok(tier)) = (index.get(district), tier.parse::<u8>()) else { continue };
            let source = f.next();
            let reviewed = source == Some("reviewed-alias");
            names.push((keys(name), d, tier.min(2), name, reviewed, source == Some("police-station")));
        }
        // Multi-word names also match written solid (`sriganganagar`).
        let solid: Vec<_> = names
            .iter()
            .filter(|n| n.0.len() > 1)
            .map(|(_, d, t, name, r, ps)| (vec![key(&phrase_tokens(name).concat())], *d, *t, *name, *r, *ps))
            .collect();
        names.extend(solid);
        // key sequence → (district, tier) of its best tier, or None when shared.
        // Reviewed names first: a third-party name never displaces them.
        names.sort_by_key(|n| !n.4);
        let mut reviewed_keys = std::collections::HashSet::new();
        let mut owner: HashMap<Vec<String>, Option<Owner<'_>>> = HashMap::new();
        let mut short: Vec<(String, Owner<'_>)> = Vec::new();
        for (k, d, tier, name, reviewed, station) in names {
            if k.len() == 1 && k[0].len() <= 3 {
                let word = phrase_tokens(name).concat();
                let long_enough = name.chars().filter(|c| c.is_alphabetic()).count() >= 4;
                if long_enough && (reviewed || !stop_words.contains(word.as_str())) {
                    short.push((word, (d, tier, name, tier == 2 && !reviewed, station)));
                }
                continue;
            }
            if k.is_empty() || k.iter().any(String::is_empty) || (!reviewed && stopped(&k, name, tier, &stop)) {
                continue;
            }
            let cue = tier == 2 && !reviewed && k.len() == 1;
            if reviewed {
                reviewed_keys.insert(k.clone());
            } else if reviewed_keys.contains(&k) {
                continue;
            }
            match owner.get_mut(&k) {
                None => {
                    owner.insert(k, Some((d, tier, name, cue, station)));
                }
                Some(slot) => match *slot {
                    Some((d0, t0, _, _, _)) if d0 != d && t0 == tier => *slot = None,
                    Some((_, t0, _, _, _)) if tier < t0 => *slot = Some((d, tier, name, cue, station)),
                    // The same district's name as a locality and as a thana: it is a thana.
                    Some((d0, t0, n0, c0, false)) if d0 == d && t0 == tier && station => {
                        *slot = Some((d0, t0, n0, c0, true));
                    }
                    _ => {}
                },
            }
        }
        let mut g = Gazetteer {
            first: FastMap::default(),
            exact: FastMap::default(),
            cues: Vec::new(),
            places: Vec::new(),
            districts,
        };
        short.sort();
        short.dedup_by(|a, b| a.0 == b.0 && a.1.0 == b.1.0);
        for (i, (word, (district, tier, name, needs_cue, station))) in short.iter().enumerate() {
            let shared = |j: usize| short.get(j).is_some_and(|o: &(String, _)| o.0 == *word);
            if shared(i + 1) || (i > 0 && shared(i - 1)) {
                continue; // two districts write it the same way
            }
            g.exact.insert(word.as_str().into(), g.places.len() as u32);
            g.places.push(Place {
                district: *district,
                tier: *tier,
                name: (*name).into(),
                needs_cue: *needs_cue,
                station: *station,
            });
        }
        g.cues = CUES.iter().map(|c| key(c)).collect();
        let mut owned: Vec<_> = owner.into_iter().filter_map(|(k, o)| o.map(|o| (k, o))).collect();
        owned.sort(); // deterministic place ids
        for (mut k, (district, tier, name, needs_cue, station)) in owned {
            let place = g.places.len() as u32;
            g.places.push(Place { district, tier, name: name.into(), needs_cue, station });
            let first = k.remove(0).into_boxed_str();
            let rest = k.into_iter().map(String::into_boxed_str).collect();
            g.first.entry(first).or_default().push(Entry { rest, place });
        }
        g
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// Whether a single token names a place (`token` normalized, `key` its
    /// phonetic key): a one-word place the router would match on its own.
    pub fn is_place_word(&self, token: &str, key: &str) -> bool {
        let one_word = |p: u32| self.places.get(p as usize).is_some_and(|p| !p.needs_cue);
        self.exact.get(token).is_some_and(|&p| one_word(p))
            || self.first.get(key).is_some_and(|entries| entries.iter().any(|e| e.rest.is_empty() && one_word(e.place)))
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The district the places named in a post point to: `tokens` as
    /// normalized, `keys` their phonetic keys.
    pub fn route(&self, tokens: &[&str], keys: &[String]) -> Route<'_> {
        let mut tally: Vec<(u16, f32, u32)> = Vec::new();
        for place in self.matches(tokens, keys) {
            let p = &self.places[place as usize];
            let w = TIER_WEIGHT[p.tier as usize];
            match tally.iter_mut().find(|t| t.0 == p.district) {
                Some(t) => t.1 += w,
                None => tally.push((p.district, w, place)),
            }
        }
        let Some(top) = tally.iter().map(|t| t.1).reduce(f32::max) else { return Route::None };
        let mut leaders = tally.iter().filter(|t| (t.1 - top).abs() < 1e-6);
        match (leaders.next(), leaders.next()) {
            (Some(&(d, _, place)), None) => {
                Route::District { slug: &self.districts[d as usize], name: &self.places[place as usize].name }
            }
            _ => Route::Ambiguous,
        }
    }

    /// The first police station of `district` the post names, whichever way
    /// the post was routed (an account tag routes before any place does).
    pub fn station(&self, tokens: &[&str], keys: &[String], district: &str) -> Option<&str> {
        let d = self.districts.iter().position(|x| &**x == district)? as u16;
        self.matches(tokens, keys)
            .into_iter()
            .map(|place| &self.places[place as usize])
            .find(|p| p.station && p.district == d)
            .map(|p| &*p.name)
    }

    /// The places named in the post, in order: longest name first at each
    /// word, a cue-only name only beside its cue.
    fn matches(&self, tokens: &[&str], keys: &[String]) -> Vec<u32> {
        let mut found = Vec::new();
        let mut i = 0;
        while i < keys.len() {
            let best = self.first.get(keys[i].as_str()).and_then(|entries| {
                entries
                    .iter()
                    .filter(|e| {
                        i + 1 + e.rest.len() <= keys.len()
                            && e.rest.iter().zip(&keys[i + 1..]).all(|(want, have)| **want == **have)
                    })
                    .max_by_key(|e| e.rest.len())
            });
            let (place, len) = match best {
                Some(e) => (e.place, 1 + e.rest.len()),
                None => match tokens.get(i).and_then(|t| self.exact.get(*t)) {
                    Some(&place) => (place, 1),
                    None => {
                        i += 1;
                        continue;
                    }
                },
            };
            let p = &self.places[place as usize];
            let cued = |j: Option<usize>| j.and_then(|j| keys.get(j)).is_some_and(|k| self.cues.contains(k));
            if p.needs_cue && !cued(i.checked_sub(1)) && !cued(Some(i + len)) {
                i += 1;
                continue;
            }
            found.push(place);
            i += len;
        }
        found
    }
}

fn keys(name: &str) -> Vec<String> {
    phrase_tokens(name).iter().map(|t| key(t)).collect()
}

/// A name too short to trust at its tier, or (below district level) made
/// only of common words: `Nagar`, `Jai Sri` are villages, and words.
fn stopped(k: &[String], name: &str, tier: u8, stop: &std::collections::HashSet<String>) -> bool {
    let letters = name.chars().filter(|c| c.is_alphabetic()).count();
    let min_len = [3, 4, 5][tier as usize];
    if letters < min_len || k.iter().all(|k| k.len() < 2) {
        return true;
    }
    tier > 0 && k.iter().all(|k| stop.contains(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::normalize::normalize;

    fn route(g: &Gazetteer, text: &str) -> Option<String> {
        let n = normalize(text);
        let tokens: Vec<&str> = n.tokens().collect();
        let keys: Vec<String> = tokens.iter().map(|t| key(t)).collect();
        match g.route(&tokens, &keys) {
            Route::District { slug, .. } => Some(slug.to_owned()),
            Route::Ambiguous => Some("?".into()),
            Route::None => None,
        }
    }

    #[test]
    fn districts_towns_and_tehsils_in_both_scripts() {
        let g = Gazetteer::new(&Registry::rajasthan());
        assert!(g.len() > 5000, "{}", g.len());
        for (text, want) in [
            ("बाड़मेर में चोरी", "barmer"),
            ("badmer me chori", "barmer"),
            ("jhunjhunu", "jhunjhunu"),
            ("झुंझुनूं", "jhunjhunu"),
            ("pachpadra thana", "balotra"),
            ("पचपदरा में", "balotra"),
            ("kekri", "ajmer"),
            ("Sanchore mein", "jalore"),
            ("neem ka thana", "sikar"),
            ("Tonk Road jaipur", "jaipur"),
            ("श्रीगंगानगर", "sri-ganganagar"),
            ("salumbar", "salumbar"),
            ("Kishangarh Bas", "khairthal-tijara"),
        ] {
            assert_eq!(route(&g, text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(route(&g, "Jaipur se Kota"), Some("?".into()));
        assert_eq!(route(&g, "my wallet was stolen near the bus stand"), None);
        assert_eq!(route(&g, "mera ghar ke paas nagar nigam ka kachra"), None);
        assert_eq!(route(&g, "jai shri ram"), None);
        assert_eq!(route(&g, "accha kaam kiya"), None);
        assert_eq!(route(&g, "gaon Kachra me kachra pada hai").as_deref(), Some("baran"));
        for (text, want) in
            [("kaman", "deeg"), ("ओसियां", "jodhpur"), ("मांडलगढ़", "bhilwara"), ("bhiwadi", "khairthal-tijara")]
        {
            assert_eq!(route(&g, text).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn a_police_station_of_the_district_is_found() {
        let g = Gazetteer::new(&Registry::rajasthan());
        let station = |text: &str, district: &str| {
            let n = normalize(text);
            let tokens: Vec<&str> = n.tokens().collect();
            let keys: Vec<String> = tokens.iter().map(|t| key(t)).collect();
            g.station(&tokens, &keys, district).map(str::to_owned)
        };
        assert_eq!(station("chain snatched near Moti Dungari thana", "jaipur").as_deref(), Some("Moti Dungari"));
        assert_eq!(station("मोती डूंगरी थाने के पास", "jaipur").as_deref(), Some("Moti Dungari"), "Devanagari too");
        assert_eq!(station("chain snatched near Moti Dungari", "kota"), None, "only the case's district");
        assert_eq!(
            station("Brahmapuri thane ke paas", "jaipur").as_deref(),
            Some("Brahmapuri"),
            "one word, by its cue"
        );
        assert_eq!(station("chain snatched on Tonk Road", "jaipur"), None, "a road is not a thana");
    }
}
