//! The registry the benchmark deploys: HQ, the 41 real districts and, for
//! the scaling phase, synthetic districts up to the asked count, each with
//! one X account (`@bench_<code>`) that posts tag. SLA goals are a day and
//! shifts round the clock, so no SLA timer fires during a run: the figures
//! are the intake path's, not the escalation sweeper's.

use tvarit_registry::{Registry, UnitKind};

pub struct BenchUnit {
    pub slug: String,
    pub handle: String,
}

/// Docket codes for synthetic units: `Z` and three letters, which no real
/// (two- or three-letter) code uses.
fn synthetic_code(i: usize) -> String {
    let l = |n: usize| char::from(b'A' + (n % 26) as u8);
    format!("Z{}{}{}", l(i / 676), l(i / 26), l(i))
}

/// The registry TOML with `districts` districts, and the districts' accounts.
pub fn build(districts: usize) -> (String, Vec<BenchUnit>) {
    let real = Registry::rajasthan();
    let mut toml = String::from(
        "time_zone = \"Asia/Kolkata\"\n\n[sla]\ngoal_seconds = 86400\nbreach_seconds = 86400\nescalation = []\n\
         district_shift = \"24x7\"\nstate_shift = \"24x7\"\n\n",
    );
    let mut units = Vec::new();
    let push = |toml: &mut String, slug: &str, name: &str, code: &str, kind: &str| {
        toml.push_str(&format!(
            "[[units]]\nslug = \"{slug}\"\nname = \"{name}\"\ncode = \"{code}\"\nkind = \"{kind}\"\n\n"
        ));
    };
    push(&mut toml, "hq", "Rajasthan Police HQ", "HQ", "state");
    let mut slugs: Vec<(String, String)> = real
        .units()
        .iter()
        .filter(|u| u.kind == UnitKind::District)
        .map(|u| (u.slug.clone(), u.code.clone()))
        .take(districts)
        .collect();
    for i in slugs.len()..districts {
        slugs.push((format!("bench-{i:04}"), synthetic_code(i)));
    }
    for (slug, code) in &slugs {
        let name = real.unit(slug).map_or_else(|| format!("Bench district {code}"), |u| u.name.clone());
        push(&mut toml, slug, &name, code, "district");
    }
    for (slug, code) in &slugs {
        let handle = format!("@bench_{}", code.to_lowercase());
        toml.push_str(&format!("[[accounts]]\nplatform = \"x\"\nhandle = \"{handle}\"\nunit = \"{slug}\"\n\n"));
        units.push(BenchUnit { slug: slug.clone(), handle });
    }
    (toml, units)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_valid_registries_of_any_size() {
        for n in [41, 800] {
            let (toml, units) = build(n);
            let r = Registry::from_toml(&toml).unwrap();
            assert_eq!(r.units().len(), n + 1);
            assert_eq!(units.len(), n);
            assert_eq!(r.account(&units[n - 1].handle).unwrap().unit, units[n - 1].slug);
        }
    }
}
