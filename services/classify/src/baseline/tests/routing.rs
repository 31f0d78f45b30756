//! Units: accounts, place names, ties and spelling variants.

use tvarit_proto::{Category, Urgency};

use super::super::Language;
use super::{check, classify, has};

#[test]
fn sri_ganganagar_in_both_scripts() {
    let hi = "@PoliceRajasthan श्रीगंगानगर में अवैध शराब बिक रही है";
    check(hi, Category::Complaint, Urgency::Normal, Language::Hindi, "sri-ganganagar");
    let latn = "@RajPoliceHelp Sri Ganganagar me online fraud ho gaya, 1930 pe call kiya";
    check(latn, Category::Complaint, Urgency::Normal, Language::HindiLatin, "sri-ganganagar");
    let spaced = "@PoliceRajasthan श्री गंगानगर में चोरी";
    assert_eq!(classify(spaced).unit, "sri-ganganagar");
}

#[test]
fn didwana_kuchaman_with_hyphen_space_or_devanagari() {
    for text in [
        "@PoliceRajasthan Didwana-Kuchaman mein illegal mining chal rahi hai",
        "@PoliceRajasthan didwana kuchaman mein illegal mining chal rahi hai",
        "@PoliceRajasthan डीडवाना-कुचामन में अवैध खनन हो रहा है",
        "@PoliceRajasthan Ladnun mein illegal mining chal rahi hai",
    ] {
        let d = classify(text);
        assert_eq!((d.category, d.unit.as_str()), (Category::Complaint, "didwana-kuchaman"), "{text:?}");
    }
}

#[test]
fn abolished_district_alias_routes_to_successor() {
    let d = check(
        "@PoliceRajasthan Kekri me chain snatching hui hai",
        Category::Complaint,
        Urgency::Normal,
        Language::HindiLatin,
        "ajmer",
    );
    assert!(has(&d, "place:kekri→ajmer"), "{:?}", d.reasons);
    assert_eq!(classify("@PoliceRajasthan केकड़ी में चोरी").unit, "ajmer");
}

#[test]
fn district_account_wins_over_places_and_state_accounts() {
    let d = classify("@PoliceRajasthan @SP_Balotra Jodhpur se aate waqt mera mobile chori ho gaya");
    assert_eq!(d.unit, "balotra");
    assert_eq!(classify("@jaipur_police Kota wale bhai ka phone stolen").unit, "jaipur");
}

#[test]
fn two_districts_named_equally_go_to_hq_and_repetition_breaks_the_tie() {
    let d = classify("@PoliceRajasthan Jaipur se Kota jaate waqt road accident");
    assert_eq!((d.category, d.unit.as_str()), (Category::Emergency, "hq"));
    assert!(has(&d, "place:ambiguous→hq"), "{:?}", d.reasons);
    let d = classify("@PoliceRajasthan Kota ka rehne wala hoon, Jaipur me kaam, Kota me bike chori");
    assert_eq!(d.unit, "kota");
}

#[test]
fn longer_place_wins_and_word_boundaries_hold() {
    // Tonk Road is a Jaipur road; Ajmer Road too.
    assert_eq!(classify("@PoliceRajasthan Tonk Road par traffic jam").unit, "jaipur");
    let d = check(
        "@PoliceRajasthan अजमेर रोड पर भीषण दुर्घटना, कई लोग घायल, एम्बुलेंस भेजें",
        Category::Emergency,
        Urgency::Critical,
        Language::Hindi,
        "jaipur",
    );
    assert!(d.confidence > 0.85, "{}", d.confidence);
    // Kotadwara and Palitana are not Kota and Pali.
    assert_eq!(classify("@PoliceRajasthan Kotadwara Palitana se chori ki shikayat").unit, "hq");
    // CamelCase hashtags are split.
    assert_eq!(classify("@PoliceRajasthan #JhunjhunuPolice chori").unit, "jhunjhunu");
}

#[test]
fn no_account_still_routes_by_place() {
    let d = check(
        "Jodhpur me bahut traffic jam hai",
        Category::Complaint,
        Urgency::Normal,
        Language::HindiLatin,
        "jodhpur",
    );
    assert!(has(&d, "place:Jodhpur→jodhpur"), "{:?}", d.reasons);
}
