//! Place names → districts, for posts addressed to a state account (or to no
//! known account).
//!
//! Every district's registry `name`, `name_hi`, `slug` and `aliases` are
//! matched as whole words (hyphens count as spaces, so `Didwana-Kuchaman`,
//! `didwana kuchaman` and the slug agree; multi-word names also match written
//! solid, `didwanakuchaman`). `HAND_LIST` adds frequent misspellings and
//! well-known towns, localities and roads that the registry does not list.

use std::collections::HashSet;

use tvarit_registry::{Registry, UnitKind};

use super::matcher::{Match, PhraseTable};
use super::normalize::{Normalized, phrase_tokens};
use crate::routing::Route;

/// Spellings and places people write, reviewed by hand: `(phrase, unit slug)`.
/// Entries whose unit the registry lacks are skipped, so another state's
/// registry simply ignores them. A longer phrase wins over the name inside it:
/// `Tonk Road` is a Jaipur road, not Tonk district.
#[rustfmt::skip]
const HAND_LIST: &[(&str, &str)] = &[
    // spelling variants
    ("baadmer", "barmer"), ("jodpur", "jodhpur"), ("jodhpur city", "jodhpur"),
    ("udaypur", "udaipur"), ("udaipur city", "udaipur"), ("kota city", "kota"),
    ("jaipur city", "jaipur"), ("bhilwada", "bhilwara"), ("nagour", "nagaur"), ("nagore", "nagaur"),
    ("beekaner", "bikaner"), ("alvar", "alwar"), ("jhunjunu", "jhunjhunu"), ("jhunjhnu", "jhunjhunu"),
    ("seekar", "sikar"), ("ganga nagar", "sri-ganganagar"), ("sri ganga nagar", "sri-ganganagar"),
    ("shriganganagar", "sri-ganganagar"), ("chitorgarh", "chittorgarh"),
    ("chittorgadh", "chittorgarh"), ("pratapgadh", "pratapgarh"), ("jesalmer", "jaisalmer"),
    ("jaisalmir", "jaisalmer"), ("dungerpur", "dungarpur"), ("swai madhopur", "sawai-madhopur"),
    ("kotputali", "kotputli-behror"), ("behrod", "kotputli-behror"), ("beawer", "beawar"),
    ("byawar", "beawar"), ("dholpur city", "dholpur"),
    ("श्री गंगानगर", "sri-ganganagar"), ("गंगा नगर", "sri-ganganagar"), ("झुंझुनु", "jhunjhunu"),
    ("झुन्झुनूं", "jhunjhunu"), ("चितौड़गढ़", "chittorgarh"), ("सवाईमाधोपुर", "sawai-madhopur"),
    ("कोटपुतली", "kotputli-behror"), ("बाढ़मेर", "barmer"), ("भीलवाडा", "bhilwara"),
    // towns
    ("pushkar", "ajmer"), ("पुष्कर", "ajmer"), ("kishangarh", "ajmer"), ("किशनगढ़", "ajmer"),
    ("mount abu", "sirohi"), ("माउंट आबू", "sirohi"), ("abu road", "sirohi"), ("आबू रोड", "sirohi"),
    ("nathdwara", "rajsamand"), ("नाथद्वारा", "rajsamand"), ("pokaran", "jaisalmer"),
    ("pokhran", "jaisalmer"), ("पोकरण", "jaisalmer"), ("nokha", "bikaner"), ("नोखा", "bikaner"),
    ("suratgarh", "sri-ganganagar"), ("सूरतगढ़", "sri-ganganagar"), ("nohar", "hanumangarh"),
    ("sujangarh", "churu"), ("सुजानगढ़", "churu"), ("sardarshahar", "churu"), ("सरदारशहर", "churu"),
    ("nawalgarh", "jhunjhunu"), ("नवलगढ़", "jhunjhunu"), ("pilani", "jhunjhunu"),
    ("पिलानी", "jhunjhunu"), ("chirawa", "jhunjhunu"), ("nimbahera", "chittorgarh"),
    ("rawatbhata", "chittorgarh"), ("ladnun", "didwana-kuchaman"), ("लाडनूं", "didwana-kuchaman"),
    ("merta", "nagaur"), ("मेड़ता", "nagaur"), ("pachpadra", "balotra"), ("siwana", "balotra"),
    ("सिवाना", "balotra"), ("jasol", "balotra"), ("chohtan", "barmer"), ("bhiwadi", "khairthal-tijara"),
    ("भिवाड़ी", "khairthal-tijara"), ("ranthambore", "sawai-madhopur"),
    ("रणथंभौर", "sawai-madhopur"), ("sojat", "pali"), ("सोजत", "pali"), ("sumerpur", "pali"),
    ("falna", "pali"), ("malpura", "tonk"), ("मालपुरा", "tonk"), ("niwai", "tonk"), ("uniara", "tonk"),
    ("osian", "jodhpur"), ("bilara", "jodhpur"), ("mandore", "jodhpur"), ("ramganj mandi", "kota"),
    ("chomu", "jaipur"), ("चौमूं", "jaipur"),
    // localities and roads
    ("sanganer", "jaipur"), ("सांगानेर", "jaipur"), ("mansarovar", "jaipur"), ("मानसरोवर", "jaipur"),
    ("vaishali nagar", "jaipur"), ("वैशाली नगर", "jaipur"), ("malviya nagar", "jaipur"),
    ("raja park", "jaipur"), ("johari bazar", "jaipur"), ("sindhi camp", "jaipur"),
    ("jhotwara", "jaipur"), ("झोटवाड़ा", "jaipur"), ("tonk road", "jaipur"), ("टोंक रोड", "jaipur"),
    ("ajmer road", "jaipur"), ("अजमेर रोड", "jaipur"), ("sikar road", "jaipur"),
    ("सीकर रोड", "jaipur"), ("agra road", "jaipur"), ("ratanada", "jodhpur"),
    ("रातानाडा", "jodhpur"), ("sardarpura", "jodhpur"), ("paota", "jodhpur"),
    ("hiran magri", "udaipur"), ("हिरण मगरी", "udaipur"), ("fatehsagar", "udaipur"),
    ("talwandi", "kota"), ("kunhadi", "kota"), ("कुन्हाड़ी", "kota"),
];

#[derive(Debug)]
pub(super) struct Places {
    table: PhraseTable,
    /// District slugs; `names[..].0` indexes this.
    slugs: Vec<Box<str>>,
    /// Each phrase as written in the registry or the hand list, with its district.
    names: Vec<(usize, Box<str>)>,
}

impl Places {
    pub fn new(registry: &Registry) -> Self {
        let mut places = Places { table: PhraseTable::default(), slugs: Vec::new(), names: Vec::new() };
        let mut seen = HashSet::new();
        for unit in registry.units().iter().filter(|u| u.kind == UnitKind::District) {
            let district = places.slugs.len();
            places.slugs.push(unit.slug.as_str().into());
            let spellings = [&unit.name, &unit.name_hi, &unit.slug].into_iter().chain(&unit.aliases);
            for spelling in spellings {
                places.add(spelling, district, &mut seen);
                let tokens = phrase_tokens(spelling);
                if tokens.len() > 1 {
                    places.add(&tokens.concat(), district, &mut seen);
                }
            }
        }
        for &(phrase, slug) in HAND_LIST {
            if let Some(district) = places.slugs.iter().position(|s| &**s == slug) {
                places.add(phrase, district, &mut seen);
            }
        }
        places
    }

    /// Adds `phrase` unless it normalizes to nothing or the district already
    /// has it (so one mention counts once).
    fn add(&mut self, phrase: &str, district: usize, seen: &mut HashSet<(Vec<Box<str>>, usize)>) {
        let key = (phrase_tokens(phrase), district);
        if key.0.is_empty() || !seen.insert(key) {
            return;
        }
        let payload = self.names.len() as u32;
        if self.table.insert(phrase, payload) {
            self.names.push((district, phrase.into()));
        }
    }

    /// The district the post's place names point to; `matches` is scratch.
    pub fn route(&self, n: &Normalized, matches: &mut Vec<Match>) -> Route<'_> {
        self.table.scan(n, matches);
        // (district, mentions, first name matched); a post names few places.
        let mut tally: Vec<(usize, u32, usize)> = Vec::new();
        for m in matches.iter() {
            let (district, _) = self.names[m.payload as usize];
            match tally.iter_mut().find(|t| t.0 == district) {
                Some(t) => t.1 += 1,
                None => tally.push((district, 1, m.payload as usize)),
            }
        }
        let Some(top) = tally.iter().map(|t| t.1).max() else {
            return Route::None;
        };
        let mut leaders = tally.iter().filter(|t| t.1 == top);
        match (leaders.next(), leaders.next()) {
            (Some(&(district, _, name)), None) => {
                Route::District { slug: &self.slugs[district], name: &self.names[name].1 }
            }
            _ => Route::Ambiguous,
        }
    }
}
