//! The alarm's markup (docs/console.md, "The alarm"). tvarit-reply decides
//! which cases ring (`Case.alarm`: an open emergency nobody has claimed or
//! acknowledged); the server puts that and the notification's words on the
//! page in the interface language, and the script rings, notifies and
//! flashes the title while such a case is in view.

use maud::{Markup, html};
use tvarit_proto::v1::Case;
use tvarit_registry::Registry;

use crate::html::percent_encode;
use crate::i18n::Lang;
use crate::rows;

/// Where the Acknowledge form of a row comes back to, with the session's
/// CSRF token. `back` is one of the values `pages::case::act` accepts.
#[derive(Clone, Copy)]
pub struct Ack<'a> {
    pub csrf: &'a str,
    pub back: &'a str,
}

/// A desktop notification's title and body.
pub struct Notice {
    pub title: String,
    pub body: String,
}

/// The unit's name and the first words of the post (personal data masked).
fn gist(lang: Lang, registry: &Registry, c: &Case) -> String {
    let unit = rows::unit_name(registry, lang, &c.unit);
    format!("{unit}: {}", rows::excerpt(&rows::masked_text(c), 100))
}

/// "⚠ Emergency BLT-…", "Balotra: firing going on near …".
pub fn notice(lang: Lang, registry: &Registry, c: &Case) -> Notice {
    Notice { title: lang.t("alarm.notice").replace("{docket}", &c.docket), body: gist(lang, registry, c) }
}

/// "BLT-… escalated to nodal officer": each step of the ladder tells its target.
pub fn escalation_notice(lang: Lang, registry: &Registry, c: &Case) -> Notice {
    let title = lang.t("alarm.escalated").replace("{docket}", &c.docket).replace("{to}", &lang.target(&c.escalated_to));
    Notice { title, body: gist(lang, registry, c) }
}

/// The notification a ringing case carries in its row's `data-` attributes
/// (`data-alarm`, `data-alert-title`, `data-alert-body`), which the script
/// rings on: present only while the case rings, so an update that silences
/// it removes them with the old row.
pub fn ringing(lang: Lang, registry: &Registry, c: &Case) -> Option<Notice> {
    c.alarm.then(|| notice(lang, registry, c))
}

/// "Seen, on it": silences the alarm for everyone without claiming the case.
pub fn ack_form(lang: Lang, docket: &str, ack: Ack<'_>, id: Option<&str>) -> Markup {
    html! {
        form method="post" action={ "/cases/" (percent_encode(docket)) "/acknowledge" } class="inline ack" {
            input type="hidden" name="csrf" value=(ack.csrf);
            input type="hidden" name="back" value=(ack.back);
            button type="submit" id=[id] title=(lang.t("alarm.ack_hint")) { (lang.t("alarm.acknowledge")) }
        }
    }
}

/// "Enable alerts": browsers play sound and show notifications only after a
/// click on the page, so the script shows this until both are allowed. It
/// also carries the tab title the script flashes.
pub fn controls(lang: Lang) -> Markup {
    html! {
        div id="alarm-controls" class="alarm-controls" data-t-ringing=(lang.t("alarm.title")) hidden {
            button type="button" id="enable-alerts" { (lang.t("alarm.enable")) }
            " "
            span class="help" { (lang.t("alarm.enable_help")) }
            p class="help" id="alerts-blocked" hidden { (lang.t("alarm.blocked")) }
        }
    }
}

#[cfg(test)]
mod tests {
    use tvarit_proto::Category;
    use tvarit_proto::v1::Post;

    use super::*;

    fn ringing() -> Case {
        Case {
            docket: "BLT-2611-00007".into(),
            unit: "balotra".into(),
            category: Category::Emergency as i32,
            alarm: true,
            escalated_to: "nodal officer".into(),
            post: Some(Post { text: "firing near the \"bus stand\" <now>".into(), ..Default::default() }),
            ..Default::default()
        }
    }

    #[test]
    fn a_ringing_case_carries_its_notification_escaped() {
        let registry = Registry::rajasthan();
        let row = |c: &Case| {
            let shown = rows::Shown { view: crate::live::View::Queue, unit: "balotra", ack: None };
            rows::row(Lang::En, &registry, c, 0, shown).into_string()
        };
        let a = row(&ringing());
        assert!(a.contains(r#"data-alarm="1""#) && a.contains("⚠ Emergency BLT-2611-00007"), "{a}");
        assert!(a.contains("firing near the &quot;bus stand&quot; &lt;now&gt;"), "{a}");
        assert!(!row(&Case { alarm: false, ..ringing() }).contains("data-alarm"));
        let e = escalation_notice(Lang::En, &registry, &ringing());
        assert_eq!(e.title, "BLT-2611-00007 escalated to nodal officer");
        assert!(notice(Lang::Hi, &registry, &ringing()).title.contains("आपातकाल"));
    }

    #[test]
    fn the_acknowledge_form_carries_the_csrf_token_and_where_to_come_back() {
        let f = ack_form(Lang::En, "BLT-2611-00007", Ack { csrf: "c<1>", back: "queue" }, None).into_string();
        assert!(f.contains(r#"action="/cases/BLT-2611-00007/acknowledge""#), "{f}");
        assert!(f.contains(r#"name="csrf" value="c&lt;1&gt;""#) && f.contains(r#"name="back" value="queue""#));
        assert!(!controls(Lang::Hi).into_string().contains("<script"), "no inline script under the CSP");
    }
}
