//! The built-in library: version 1 of every template, and a rebuttal for
//! every claim the classifier knows (`tvarit_claims`, with the Hindi texts of
//! `rebuttals_hi.tsv`). Written once per process,
//! only where a key or claim is missing, so supervisors' and HQ's versions
//! are never touched and a claim added to the classifier appears here too.

use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::PgConnection;

/// `(key, Hindi, English)`, in the police cells' own style.
#[rustfmt::skip]
pub const TEMPLATES: &[(&str, &str, &str)] = &[
    ("complaint/theft",
     "आपकी शिकायत प्राप्त हुई है (डॉकेट {docket})। संबंधित थानाधिकारी {police_station} को आवश्यक कार्रवाई हेतु निर्देशित किया गया है। कृपया घटना का स्थान व समय DM करें। — {unit_name_hi}",
     "Your complaint has been received (docket {docket}). The SHO {police_station} has been directed to take necessary action. Please DM the exact location and time of the incident. — {unit_name}"),
    ("complaint/cyber_fraud",
     "कृपया तुरंत साइबर हेल्पलाइन {cyber_helpline} पर कॉल करें या cybercrime.gov.in पर शिकायत दर्ज करें, ताकि राशि रुकवाई जा सके। किसी को OTP/PIN न बताएं। डॉकेट {docket} — {unit_name_hi}",
     "Please call the cyber helpline {cyber_helpline} at once or report at cybercrime.gov.in so the money can be held. Do not share OTP/PIN with anyone. Docket {docket} — {unit_name}"),
    ("complaint/women_safety",
     "आपकी शिकायत को गंभीरता से लिया गया है (डॉकेट {docket})। संबंधित थानाधिकारी को निर्देशित किया गया है। तुरंत सहायता हेतु {helpline} या महिला हेल्पलाइन {women_helpline} पर कॉल करें। — {unit_name_hi}",
     "Your complaint is being taken seriously (docket {docket}). The SHO concerned has been directed. For immediate help call {helpline} or the women helpline {women_helpline}. — {unit_name}"),
    ("complaint/traffic",
     "सूचना के लिए धन्यवाद (डॉकेट {docket})। यातायात पुलिस को मौके पर आवश्यक कार्रवाई हेतु निर्देशित किया गया है। कृपया सटीक स्थान बताएं। — {unit_name_hi}",
     "Thank you for informing us (docket {docket}). Traffic police have been directed to take necessary action on the spot. Please share the exact location. — {unit_name}"),
    ("complaint/general",
     "आपकी शिकायत प्राप्त हुई है (डॉकेट {docket})। संबंधित थानाधिकारी {police_station} को आवश्यक कार्रवाई हेतु निर्देशित किया गया है। कृपया विवरण DM करें। — {unit_name_hi}",
     "Your complaint has been received (docket {docket}). The SHO {police_station} has been directed to take necessary action. Please DM the details. — {unit_name}"),
    ("emergency/accident",
     "पुलिस कंट्रोल रूम को सूचित किया गया है; एम्बुलेंस हेतु 108 पर कॉल करें। कृपया सटीक स्थान बताएं; तुरंत सहायता हेतु {helpline} पर कॉल करें। डॉकेट {docket} — {unit_name_hi}",
     "The police control room has been alerted; for an ambulance call 108. Please share the exact location; for immediate help call {helpline}. Docket {docket} — {unit_name}"),
    ("emergency/women_safety",
     "कृपया तुरंत {helpline} या महिला हेल्पलाइन {women_helpline} पर कॉल करें। पुलिस कंट्रोल रूम को सूचित किया गया है; कृपया सटीक स्थान बताएं। डॉकेट {docket} — {unit_name_hi}",
     "Please call {helpline} or the women helpline {women_helpline} right away. The police control room has been alerted; please share the exact location. Docket {docket} — {unit_name}"),
    ("emergency/general",
     "कृपया तुरंत {helpline} पर कॉल करें। पुलिस कंट्रोल रूम को सूचित किया गया है; कृपया सटीक स्थान बताएं। डॉकेट {docket} — {unit_name_hi}",
     "Please call {helpline} immediately. The police control room has been alerted; please share the exact location. Docket {docket} — {unit_name}"),
    ("query/passport",
     "पासपोर्ट सत्यापन की स्थिति हेतु कृपया अपना फ़ाइल नंबर DM करें; संबंधित थाने से जानकारी ली जा रही है। डॉकेट {docket} — {unit_name_hi}",
     "For the status of your passport verification, please DM your file number; we are checking with the police station concerned. Docket {docket} — {unit_name}"),
    ("query/verification",
     "चरित्र व किरायेदार सत्यापन हेतु RajCop Citizen ऐप पर या नज़दीकी थाने में आवेदन करें। डॉकेट {docket} — {unit_name_hi}",
     "Character and tenant verification can be applied for on the RajCop Citizen app or at the nearest police station. Docket {docket} — {unit_name}"),
    ("query/fir_status",
     "FIR की स्थिति हेतु कृपया FIR नंबर व थाने का नाम DM करें। FIR की प्रति RajCop Citizen ऐप पर भी उपलब्ध है। डॉकेट {docket} — {unit_name_hi}",
     "Please DM your FIR number and police station for its status. FIR copies are also on the RajCop Citizen app. Docket {docket} — {unit_name}"),
    ("query/general",
     "आपका प्रश्न प्राप्त हुआ है (डॉकेट {docket})। कृपया विवरण DM करें; संबंधित शाखा से जानकारी लेकर अवगत कराया जाएगा। — {unit_name_hi}",
     "Your query has been received (docket {docket}). Please DM the details; we will get back after checking with the branch concerned. — {unit_name}"),
    ("misinformation/general",
     "यह सूचना सत्यापित नहीं है; तथ्यों की जाँच की जा रही है। कृपया बिना पुष्टि के कोई संदेश आगे न भेजें, अफवाह फैलाना दंडनीय अपराध है। डॉकेट {docket} — {unit_name_hi}",
     "This information is not verified; the facts are being checked. Please do not forward messages without confirmation; spreading rumours is an offence. Docket {docket} — {unit_name}"),
    ("sensitive/general",
     "मामला संज्ञान में लिया गया है (डॉकेट {docket})। संबंधित अधिकारी द्वारा विधि अनुसार कार्रवाई की जा रही है। कृपया शांति बनाए रखें और अफवाहों पर ध्यान न दें। — {unit_name_hi}",
     "The matter has been taken cognisance of (docket {docket}). The officer concerned is acting as per law. Please maintain peace and ignore rumours. — {unit_name}"),
    ("appreciation/general",
     "आपके सहयोग व प्रोत्साहन के लिए हार्दिक धन्यवाद। {unit_name_hi} सदैव आपकी सेवा में तत्पर है। आपात स्थिति में {helpline} डायल करें।",
     "Thank you for your kind words and support. {unit_name} is always at your service. In an emergency, dial {helpline}."),
];

/// The Hindi rebuttals, a claim a line; see the file's head.
const HINDI: &str = include_str!("rebuttals_hi.tsv");

/// `(verdict, Hindi rebuttal, evidence link)` of a claim in [`HINDI`].
fn hindi(claim_id: &str) -> Option<(&'static str, &'static str, &'static str)> {
    HINDI.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).find_map(|line| {
        let mut fields = line.splitn(4, '\t');
        (fields.next() == Some(claim_id)).then(|| {
            let mut next = || fields.next().unwrap_or("");
            (next(), next(), next())
        })
    })
}

/// For a claim the Hindi list does not know yet.
const HINDI_FALLBACK: &str = "यह सूचना असत्य है। कृपया अफवाह न फैलाएं और केवल आधिकारिक सूचनाओं पर भरोसा करें।";

pub use tvarit_claims::Claim;

pub fn claims() -> Vec<Claim> {
    tvarit_claims::all()
}

static SEEDED: AtomicBool = AtomicBool::new(false);

/// Writes version 1 of every missing template and claim (once per process).
pub async fn ensure(db: &mut PgConnection) -> Result<(), sqlx::Error> {
    if SEEDED.load(Ordering::Acquire) {
        return Ok(());
    }
    let (mut keys, mut langs, mut bodies) = (Vec::new(), Vec::new(), Vec::new());
    for (key, hi, en) in TEMPLATES {
        for (lang, body) in [("hi", hi), ("en", en)] {
            keys.push(*key);
            langs.push(lang);
            bodies.push(*body);
        }
    }
    sqlx::query(
        "INSERT INTO reply_templates (key, lang, version, body, edited_by)
         SELECT k, l, 1, b, 'system' FROM UNNEST($1::text[], $2::text[], $3::text[]) AS t(k, l, b)
         ON CONFLICT DO NOTHING",
    )
    .bind(&keys)
    .bind(&langs)
    .bind(&bodies)
    .execute(&mut *db)
    .await?;
    for c in claims() {
        let (verdict, hi, evidence) = hindi(&c.id).unwrap_or(("false", HINDI_FALLBACK, ""));
        sqlx::query(
            "INSERT INTO rebuttals (claim_id, version, claim, verdict, text_hi, text_en, evidence_url, variants, published_by)
             VALUES ($1, 1, $2, $3, $4, $5, $6, $7, 'system') ON CONFLICT DO NOTHING",
        )
        .bind(&c.id)
        .bind(&c.claim)
        .bind(verdict)
        .bind(hi)
        .bind(&c.rebuttal)
        .bind(evidence)
        .bind(&c.variants)
        .execute(&mut *db)
        .await?;
    }
    SEEDED.store(true, Ordering::Release);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hindi_rebuttal_is_of_a_known_claim_with_a_known_verdict() {
        let claims = claims();
        let rows = HINDI.lines().filter(|l| !l.is_empty() && !l.starts_with('#'));
        for id in rows.map(|l| l.split('\t').next().unwrap()) {
            assert!(claims.iter().any(|c| c.id == id), "{id}: no such claim");
            let (verdict, text, _) = hindi(id).unwrap();
            assert!(crate::library::rebuttals::VERDICTS.contains(&verdict), "{id}: verdict {verdict:?}");
            assert!(!text.trim().is_empty(), "{id}: no Hindi text");
        }
        assert_eq!(hindi("claim-0002").unwrap().2, "https://police.rajasthan.gov.in");
        assert!(hindi("claim-9999").is_none());
    }
}
