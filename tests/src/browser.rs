//! Headless Chromium driven over the W3C WebDriver protocol with the
//! fantoccini client: chromedriver on a free port per test, reached over
//! plain HTTP (hyper-util's connector; no TLS on loopback). Chromium's Set
//! Permission, which fantoccini lacks, goes through its custom-command hook.
//! Elements are handed to the tests as WebDriver element ids (strings), so a
//! test can also act on an element a script returned. Screenshots are saved
//! as test artefacts under `target/test-artefacts/console/` (or
//! `$TVARIT_TEST_ARTEFACTS`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::{Element, ElementRef};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::free_port;

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// WebDriver's key codes, for `send_keys`.
pub const KEY_CONTROL: char = '\u{E009}';
pub const KEY_ENTER: char = '\u{E007}';

pub struct Browser {
    driver: Child,
    client: Client,
}

/// Where screenshots go: `$TVARIT_TEST_ARTEFACTS`, else
/// `<target>/test-artefacts/console`.
pub fn artefacts_dir() -> PathBuf {
    let dir = match std::env::var_os("TVARIT_TEST_ARTEFACTS") {
        Some(d) => PathBuf::from(d),
        None => {
            let exe = std::env::current_exe().expect("test executable path");
            // target/debug/deps/e2e-… → target
            let target = exe.ancestors().nth(3).expect("target dir").to_path_buf();
            target.join("test-artefacts").join("console")
        }
    };
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A failed WebDriver command fails the test, naming the command.
fn ok<T, E: std::fmt::Display>(what: &str, r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("webdriver {what}: {e}"))
}

/// WebDriver's Set Permission (a W3C Permissions extension chromedriver
/// implements; fantoccini has no method for it).
#[derive(Debug)]
struct SetPermission {
    name: String,
    state: String,
}

impl WebDriverCompatibleCommand for SetPermission {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/permissions", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "descriptor": { "name": self.name }, "state": self.state });
        (http::Method::POST, Some(body.to_string()))
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a 1366×768 window.
    pub async fn start() -> Browser {
        Browser::start_with(&[]).await
    }

    /// As `start`, with more Chromium switches (for example
    /// `--autoplay-policy=no-user-gesture-required`, so a page may sound
    /// before anyone clicks it).
    pub async fn start_with(extra_args: &[&str]) -> Browser {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists(),
            "{CHROMEDRIVER} is missing: apt-get install chromium chromium-driver fonts-noto-core (deploy/local/ensure-services.sh does)"
        );
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut args = vec!["--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,768"];
        args.extend(["--hide-scrollbars", "--force-device-scale-factor=1", "--no-first-run", "--lang=en-IN"]);
        args.extend(extra_args);
        // Chromium's sandbox refuses to start as root (CI containers).
        if is_root() {
            args.push("--no-sandbox");
        }
        let caps = json!({ "browserName": "chrome", "goog:chromeOptions": { "binary": CHROMIUM, "args": args } });
        let Value::Object(caps) = caps else { unreachable!() };
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps);
        // chromedriver listens a moment after it starts: retry the session
        // until it answers.
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            match builder.connect(&format!("http://127.0.0.1:{port}")).await {
                Ok(c) => break c,
                Err(e) => assert!(Instant::now() < deadline, "chromedriver did not start a session: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        Browser { driver, client }
    }

    fn element(&self, id: &str) -> Element {
        Element::from_element_id(self.client.clone(), ElementRef::from(id.to_owned()))
    }

    pub async fn goto(&self, url: &str) {
        ok("goto", self.client.goto(url).await);
    }

    pub async fn url(&self) -> String {
        ok("url", self.client.current_url().await).to_string()
    }

    pub async fn source(&self) -> String {
        ok("source", self.client.source().await)
    }

    /// The id of the first element matching `css`, if any.
    pub async fn find(&self, css: &str) -> Option<String> {
        let el = self.client.find(Locator::Css(css)).await.ok()?;
        Some(el.element_id().to_string())
    }

    /// Waits (polling every 25 ms) until `css` matches; panics after `limit`.
    pub async fn wait_for(&self, css: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(el) = self.find(css).await {
                return el;
            }
            assert!(Instant::now() < deadline, "{css} did not appear within {limit:?}; page:\n{}", self.source().await);
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn click(&self, element: &str) {
        ok("click", self.element(element).click().await);
    }

    pub async fn send_keys(&self, element: &str, text: &str) {
        ok("send_keys", self.element(element).send_keys(text).await);
    }

    pub async fn text(&self, element: &str) -> String {
        ok("text", self.element(element).text().await)
    }

    /// A DOM property as JSON (a checkbox's `checked` is a boolean):
    /// read by a script, since fantoccini's `prop` turns every value into a
    /// string.
    pub async fn property(&self, element: &str, name: &str) -> Value {
        let el = serde_json::to_value(self.element(element)).unwrap();
        self.execute("return arguments[0][arguments[1]];", json!([el, name])).await
    }

    /// Runs `script` (a function body; `arguments[n]`) in the page.
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        ok("execute", self.client.execute(script, arg_list(args)).await)
    }

    /// Runs an async script; it finishes by calling `arguments[arguments.length - 1]`.
    pub async fn execute_async(&self, script: &str, args: Value) -> Value {
        ok("execute_async", self.client.execute_async(script, arg_list(args)).await)
    }

    /// The HTTP status of a same-origin GET made by the page (with its cookies).
    pub async fn fetch_status(&self, path: &str) -> u16 {
        let script = "const done = arguments[1]; const c = new AbortController(); \
            fetch(arguments[0], { signal: c.signal, redirect: 'manual' }) \
              .then(r => { done(r.status); c.abort(); }).catch(e => done(-1));";
        self.execute_async(script, json!([path])).await.as_u64().unwrap_or(0) as u16
    }

    /// WebDriver's Set Permission (`notifications`, ...) for the current
    /// page's origin: open a page of the site first.
    pub async fn set_permission(&self, name: &str, state: &str) {
        let cmd = SetPermission { name: name.to_owned(), state: state.to_owned() };
        ok("set_permission", self.client.issue_cmd(cmd).await);
    }

    pub async fn set_window(&self, width: u32, height: u32) {
        ok("set_window", self.client.set_window_size(width, height).await);
    }

    /// Saves a PNG of the viewport as `<artefacts>/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = ok("screenshot", self.client.screenshot().await);
        let path = artefacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

/// The tests pass script arguments as one JSON array.
fn arg_list(args: Value) -> Vec<Value> {
    match args {
        Value::Array(list) => list,
        Value::Null => Vec::new(),
        one => vec![one],
    }
}

/// Whether this process runs as root (`id -u`; no unsafe `geteuid`).
fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Drop for Browser {
    /// Ends the WebDriver session (which closes Chromium), then chromedriver.
    fn drop(&mut self) {
        // Drop cannot await. fantoccini's session task runs on the test's
        // runtime, so wait for the close in place (the e2e tests run on the
        // multi-threaded runtime, where `block_in_place` is allowed).
        if let Ok(rt) = tokio::runtime::Handle::try_current()
            && rt.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
        {
            let client = self.client.clone();
            tokio::task::block_in_place(|| {
                rt.block_on(async {
                    let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
                })
            });
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
