//! Category, urgency and language.

use tvarit_proto::{Category, Urgency};

use super::super::{Classifier, Language, MODEL};
use super::{baseline, check, classify, has};

#[test]
fn model_name() {
    assert_eq!(baseline().model(), MODEL);
    assert_eq!(MODEL, "baseline-keywords-v1");
}

#[test]
fn hindi_theft_to_state_account_routes_by_place() {
    let d = check(
        "@PoliceRajasthan बाड़मेर में मेरी बाइक चोरी हो गई",
        Category::Complaint,
        Urgency::Normal,
        Language::Hindi,
        "barmer",
    );
    assert_eq!(d.district.as_deref(), Some("barmer"));
    assert!(has(&d, "place:बाड़मेर→barmer"), "{:?}", d.reasons);
    assert!(has(&d, "keyword:चोरी→complaint"), "{:?}", d.reasons);
    assert_eq!(d.reasons.last().map(String::as_str), Some("lang:hi"));
}

#[test]
fn hinglish_firing_to_district_account_is_critical() {
    let d = check(
        "@SP_Balotra bhai mere ghar ke paas firing ho rahi hai jaldi aao",
        Category::Emergency,
        Urgency::Critical,
        Language::HindiLatin,
        "balotra",
    );
    assert!(has(&d, "account:@SP_Balotra→balotra"), "{:?}", d.reasons);
    assert!(has(&d, "keyword:firing→emergency"), "{:?}", d.reasons);
    assert!(d.confidence > 0.8, "{}", d.confidence);
}

#[test]
fn english_viral_question_is_misinformation_for_the_named_district() {
    let d = check(
        "@RajPoliceHelp is this viral video from Jhunjhunu true?",
        Category::Misinformation,
        Urgency::Normal,
        Language::English,
        "jhunjhunu",
    );
    assert!(has(&d, "place:Jhunjhunu→jhunjhunu"), "{:?}", d.reasons);
}

#[test]
fn thanks_without_place_go_to_hq() {
    let d = check(
        "@PoliceRajasthan thank you for quick help",
        Category::Appreciation,
        Urgency::Low,
        Language::English,
        "hq",
    );
    assert_eq!(d.district, None);
    assert!(has(&d, "account:@PoliceRajasthan→hq"), "{:?}", d.reasons);
}

#[test]
fn greetings_spam_and_nothing_are_other_and_low() {
    check("Good morning", Category::Other, Urgency::Low, Language::English, "hq");
    check("Earn money daily, click here", Category::Other, Urgency::Low, Language::English, "hq");
    let d = check("@PoliceRajasthan hmm ok", Category::Other, Urgency::Low, Language::English, "hq");
    assert_eq!(d.confidence, 0.5);
    assert!(has(&d, "keyword:none→other"), "{:?}", d.reasons);
}

#[test]
fn child_lifting_rumour_is_misinformation_not_theft() {
    check(
        "@PoliceRajasthan WhatsApp pe message aa raha hai ki Bhilwara me bachcha chor gang ghoom rahi hai, kya ye sach hai?",
        Category::Misinformation,
        Urgency::Normal,
        Language::HindiLatin,
        "bhilwara",
    );
    check(
        "@PoliceRajasthan क्या यह सच है कि पुलिस भर्ती का नोटिस आया है? यह मैसेज वायरल हो रहा है",
        Category::Misinformation,
        Urgency::Normal,
        Language::Hindi,
        "hq",
    );
}

#[test]
fn sensitive_posts_are_high() {
    check(
        "@PoliceRajasthan इस पोस्ट में सांप्रदायिक भड़काऊ बातें लिखी हैं, नागौर में माहौल खराब हो सकता है",
        Category::Sensitive,
        Urgency::High,
        Language::Hindi,
        "nagaur",
    );
    check(
        "@RajPoliceHelp ye log police ko dhamki de rahe hai",
        Category::Sensitive,
        Urgency::High,
        Language::HindiLatin,
        "hq",
    );
    check(
        "@PoliceRajasthan this account is posting communal hate speech to incite riots in Tonk",
        Category::Sensitive,
        Urgency::High,
        Language::English,
        "tonk",
    );
}

#[test]
fn queries_in_three_languages() {
    check(
        "@PoliceRajasthan how to apply for police verification for passport?",
        Category::Query,
        Urgency::Normal,
        Language::English,
        "hq",
    );
    check(
        "@PoliceRajasthan चरित्र प्रमाण पत्र कैसे बनवाएं? प्रक्रिया बताएं",
        Category::Query,
        Urgency::Normal,
        Language::Hindi,
        "hq",
    );
    check(
        "@jaipur_police bhai kiraydar ka verification kaise karwaye?",
        Category::Query,
        Urgency::Normal,
        Language::HindiLatin,
        "jaipur",
    );
}

#[test]
fn urgency_word_raises_a_complaint_to_high() {
    let d = check(
        "@PoliceRajasthan Alwar me mera phone chori ho gaya turant action lo",
        Category::Complaint,
        Urgency::High,
        Language::HindiLatin,
        "alwar",
    );
    assert!(has(&d, "urgent:turant"), "{:?}", d.reasons);
    // "abhi tak" is "until now", not "now".
    let d = classify("@PoliceRajasthan Alwar me mera phone chori hua, abhi tak koi karwai nahi");
    assert_eq!((d.category, d.urgency), (Category::Complaint, Urgency::Normal));
}

#[test]
fn appreciation_outweighs_the_theft_it_mentions() {
    check(
        "@PoliceRajasthan कोटा पुलिस की त्वरित कार्रवाई के लिए धन्यवाद",
        Category::Appreciation,
        Urgency::Low,
        Language::Hindi,
        "kota",
    );
    check(
        "@PoliceRajasthan thank you so much for recovering my stolen bike, great work Udaipur police",
        Category::Appreciation,
        Urgency::Low,
        Language::English,
        "udaipur",
    );
}

#[test]
fn life_threats_are_critical() {
    check(
        "@RajPoliceHelp my friend posted that he will commit suicide tonight, he lives in Bikaner",
        Category::Emergency,
        Urgency::Critical,
        Language::English,
        "bikaner",
    );
    check(
        "@RajPoliceHelp Sikar me meri beti ka apaharan ho gaya hai jaldi madad karo",
        Category::Emergency,
        Urgency::Critical,
        Language::HindiLatin,
        "sikar",
    );
    // A fire without a life-threat word is an emergency at high urgency.
    check(
        "@PoliceRajasthan Pali bus stand ke paas dukaan me aag lagi hai",
        Category::Emergency,
        Urgency::High,
        Language::HindiLatin,
        "pali",
    );
}

#[test]
fn mixed_script_and_spelling_folds() {
    let d = check(
        "@PoliceRajasthan मेरा mobile stolen हो गया in Pali bus stand",
        Category::Complaint,
        Urgency::Normal,
        Language::Mixed,
        "pali",
    );
    assert!(has(&d, "lang:mixed"), "{:?}", d.reasons);
    // Without the nukta, with chandrabindu instead of anusvara: same place, same word.
    assert_eq!(classify("@PoliceRajasthan बाडमेर में चोरी").unit, "barmer");
    assert_eq!(classify("@PoliceRajasthan झुंझुनूँ में चोरी").unit, "jhunjhunu");
    assert_eq!(classify("पासपोर्ट सत्यापन कहाँ होगा?").category, Category::Query);
}
