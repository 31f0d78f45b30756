use tvarit_proto::Category;
use tvarit_proto::v1::{Classification, Post};
use tvarit_registry::Registry;

use super::*;
use crate::library::{guard, seed};

#[test]
fn sub_categories_come_from_the_posts_words() {
    let key = |c, t| key_for(c, t);
    assert_eq!(key(Category::Complaint, "my bike was stolen near bus stand"), "complaint/theft");
    assert_eq!(key(Category::Complaint, "मेरी बाइक चोरी हो गई"), "complaint/theft");
    assert_eq!(key(Category::Complaint, "kisi ne OTP poocha aur khate se paise nikal gaye"), "complaint/cyber_fraud");
    assert_eq!(key(Category::Complaint, "मेरे खाते से 20000 रुपये निकल गए"), "complaint/cyber_fraud");
    assert_eq!(key(Category::Complaint, "gaadi chori, UPI se paise bhi"), "complaint/cyber_fraud");
    assert_eq!(key(Category::Complaint, "road par bahut jam hai"), "complaint/traffic");
    assert_eq!(key(Category::Complaint, "noise from the neighbours"), "complaint/general");
    assert_eq!(key(Category::Query, "passport verification kab hoga"), "query/passport");
    assert_eq!(key(Category::Query, "how do I get tenant verification"), "query/verification");
    assert_eq!(key(Category::Query, "status of my FIR?"), "query/fir_status");
    assert_eq!(key(Category::Query, "fire station number?"), "query/general");
    assert_eq!(key(Category::Emergency, "accident on NH-68, two injured"), "emergency/accident");
    assert_eq!(key(Category::Misinformation, "is this true"), "misinformation/general");
}

#[test]
fn every_derived_key_is_valid_and_seeded_in_both_languages() {
    for (c, sub, _) in SUBS {
        let key = format!("{}/{sub}", c.slug());
        assert!(valid_key(&key).is_ok(), "{key}");
        assert!(seed::TEMPLATES.iter().any(|t| t.0 == key), "no seed for {key}");
    }
    for c in Category::ANSWERED {
        assert!(seed::TEMPLATES.iter().any(|t| t.0 == format!("{}/general", c.slug())), "{c:?}");
    }
    assert!(valid_key("other/general").is_err());
    assert!(valid_key("complaint/pickpocket").unwrap_err().contains("complaint/theft"));
}

#[test]
fn seeded_templates_fill_and_pass_the_guard_on_x() {
    let registry = Registry::rajasthan();
    let widest = Vars::widest(&registry);
    for (key, hi, en) in seed::TEMPLATES {
        for text in [hi, en] {
            valid_text(text).unwrap();
            let filled = render(text, &widest);
            assert!(!filled.contains('{'), "{key}: {filled}");
            guard::check(&filled, &Post::default(), &Classification::default(), 280)
                .unwrap_or_else(|e| panic!("{key}: {e}: {filled}"));
        }
    }
}

#[test]
fn variables_fill_and_tidy() {
    let registry = Registry::rajasthan();
    let v = Vars::new(&registry, "balotra", "BLT-2611-00042");
    assert_eq!((v.unit_name.as_str(), v.unit_name_hi.as_str()), ("Balotra Police", "बालोतरा पुलिस"));
    let hq = Vars::new(&registry, "hq", "HQ-2611-00001");
    assert_eq!(hq.unit_name, "Rajasthan Police HQ");
    let text = "The SHO {police_station} has been told (docket {docket}). Call {helpline}, {cyber_helpline} or {women_helpline} . — {unit_name}";
    assert_eq!(
        render(text, &v),
        "The SHO has been told (docket BLT-2611-00042). Call 112, 1930 or 1090. — Balotra Police"
    );
    assert!(valid_text("{docket} {unit_name_hi}").is_ok());
    assert!(valid_text("{dockett}").unwrap_err().contains("unknown variable {dockett}"));
    assert!(valid_text("{docket").is_err());
}

#[test]
fn seeded_rebuttals_cover_every_known_claim() {
    let claims = seed::claims();
    assert!(claims.len() >= 12);
    assert!(claims.iter().all(|c| c.id.starts_with("claim-") && !c.rebuttal.is_empty()));
}
