use tvarit_proto::v1::{Classification, PiiSpan, Post};

use super::*;

/// A post and its classification with a PII span over `value` inside `text`.
fn post_with(text: &str, spans: &[(&str, &str)]) -> (Post, Classification) {
    let pii = spans
        .iter()
        .map(|(kind, value)| {
            let start = text.find(value).expect("value in text");
            PiiSpan { kind: (*kind).into(), start: start as u32, end: (start + value.len()) as u32 }
        })
        .collect();
    let post = Post { platform: "x".into(), text: text.into(), ..Default::default() };
    (post, Classification { pii, ..Default::default() })
}

fn code(text: &str, post: &Post, c: &Classification) -> &'static str {
    match check(text, post, c, 280) {
        Ok(()) => "",
        Err(e) => e.code(),
    }
}

#[test]
fn blocks_the_posts_phone_number_however_spaced() {
    let (post, c) = post_with("@SP_Balotra bike chori, call me +91-98290-12345", &[("phone", "+91-98290-12345")]);
    for reply in [
        "We will call you on 9829012345",
        "आपके नंबर 98290 12345 पर संपर्क किया जाएगा",
        "call 98290-12345",
        "call (+91) 98 290 123 45",
        "call ९८२९०१२३४५",
    ] {
        let err = check(reply, &post, &c, 280).unwrap_err();
        assert_eq!(err.code(), "personal_data", "{reply}");
        assert!(err.to_string().contains("phone number from the post"), "{err}");
        assert!(!err.to_string().contains("9829012345"), "the reason must not echo it: {err}");
    }
    assert_eq!(code("Please DM your number. Docket BLT-2611-00042", &post, &c), "");
}

#[test]
fn blocks_other_personal_data_from_the_post() {
    let aadhaar = "2345 6789 0124";
    let (post, c) = post_with(
        &format!("aadhaar {aadhaar}, bike RJ14CA1234, paise ramesh.k@okaxis, mail a.b@gmail.com"),
        &[("aadhaar", aadhaar), ("vehicle", "RJ14CA1234"), ("upi", "ramesh.k@okaxis"), ("email", "a.b@gmail.com")],
    );
    assert_eq!(code("aadhaar 234567890124 received", &post, &c), "personal_data");
    assert_eq!(code("vahan RJ-14-CA-1234 ki talash jari", &post, &c), "personal_data");
    assert_eq!(code("UPI Ramesh.K@okaxis blocked", &post, &c), "personal_data");
    assert_eq!(code("we wrote to a.b@gmail.com", &post, &c), "personal_data");
}

#[test]
fn blocks_contact_details_not_from_the_post() {
    let (post, c) = post_with("help", &[]);
    assert_eq!(code("call SHO on 9414012345", &post, &c), "contact_details");
    assert_eq!(code("call 09414012345", &post, &c), "contact_details");
    assert_eq!(code("number 3456 7890 1234", &post, &c), "contact_details");
    assert_eq!(code("write to someone@gmail.com", &post, &c), "contact_details");
    assert_eq!(code("pay to shop@ybl", &post, &c), "contact_details");
    // Helplines, official mail, handles, landlines and dockets are fine.
    assert_eq!(code("Call 112, 1930, 1090, 100, 181 or 1098", &post, &c), "");
    assert_eq!(code("डायल करें 112 या 1930", &post, &c), "");
    assert_eq!(code("mail sp-balotra-rj@police.gov.in or @SP_Balotra", &post, &c), "");
    assert_eq!(code("SP office 0141-2615238, docket BLT-2611-00042", &post, &c), "");
}

#[test]
fn blocks_abusive_words_in_any_script() {
    let (post, c) = post_with("help", &[]);
    assert_eq!(code("Don't be an idiot.", &post, &c), "abusive");
    assert_eq!(code("ye kya bakwas hai", &post, &c), "abusive");
    assert_eq!(code("ऐसी बकवास न फैलाएं।", &post, &c), "abusive");
    let err = check("तुम मूर्ख हो", &post, &c, 280).unwrap_err();
    assert_eq!(err, GuardError::Abusive { word: "मूर्ख".into() });
    assert_eq!(code("Salary details are with the SHO", &post, &c), "");
}

#[test]
fn blocks_over_length_and_empty() {
    let (post, c) = post_with("help", &[]);
    let err = check(&"क".repeat(281), &post, &c, 280).unwrap_err();
    assert_eq!(err.to_string(), "the reply is 281 characters; x allows at most 280");
    assert!(check(&"क".repeat(280), &post, &c, 280).is_ok());
    assert_eq!(code("   ", &post, &c), "empty");
    assert_eq!(reply_limit("x", 280), 280);
    assert_eq!(reply_limit("facebook", 280), 2000);
}

#[test]
fn verdicts_carry_the_reason() {
    let (post, c) = post_with("help", &[]);
    let v = verdict(&check("call 9414012345", &post, &c, 280));
    assert!(!v.allowed);
    assert_eq!(v.code, "contact_details");
    assert!(v.reason.contains("mobile number (94••••••45)"), "{}", v.reason);
    assert!(verdict(&Ok(())).allowed);
}

/// A direct message to the person may repeat their own number or give an
/// officer's; it is still refused when abusive, empty or too long.
#[test]
fn a_private_reply_may_repeat_personal_data_but_not_abuse() {
    let (post, c) = post_with("bike chori, mera number 98290 12345", &[("phone", "98290 12345")]);
    let echo = "Aapke number 98290 12345 par SHO ka phone aayega";
    assert_eq!(code(echo, &post, &c), "personal_data", "never in public");
    assert_eq!(check_private(echo, &post, &c, 280), Ok(()));
    assert_eq!(check_private("  ", &post, &c, 280).unwrap_err().code(), "empty");
    assert_eq!(check_private("tum bewakoof ho", &post, &c, 280).unwrap_err().code(), "abusive");
    assert_eq!(check_private(&"क".repeat(281), &post, &c, 280).unwrap_err().code(), "too_long");
}
