//! Headless Chromium driven over the W3C WebDriver protocol: chromedriver
//! on a free port per test, spoken to with a few JSON calls over reqwest
//! (the dozen commands the console tests need, Chromium's Set Permission
//! among them). Screenshots are saved as test
//! artefacts under `target/test-artefacts/console/` (or
//! `$TVARIT_TEST_ARTEFACTS`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::free_port;

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// WebDriver's key codes, for `send_keys`.
pub const KEY_CONTROL: char = '\u{E009}';
pub const KEY_ENTER: char = '\u{E007}';

pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    http: reqwest::Client,
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
        let mut browser =
            Browser { driver, port, session: String::new(), http: crate::http::http_client().build().unwrap() };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(v) = browser.try_call("GET", "/status", None).await
                && v["ready"] == true
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not become ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut args = vec!["--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,768"];
        args.extend(["--hide-scrollbars", "--force-device-scale-factor=1", "--no-first-run", "--lang=en-IN"]);
        args.extend(extra_args);
        // Chromium's sandbox refuses to start as root (CI containers).
        if is_root() {
            args.push("--no-sandbox");
        }
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        }}});
        let v = browser.call("POST", "/session", Some(caps)).await;
        browser.session = v["sessionId"].as_str().expect("session id").to_owned();
        browser
    }

    async fn try_call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let mut req = self.http.request(method.clone(), url).timeout(Duration::from_secs(120));
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| e.to_string())?;
        let v: Value = serde_json::from_slice(&body).map_err(|e| format!("{status}: {e}"))?;
        if status >= 400 {
            return Err(format!("{method} {path}: {status} {}", v["value"]));
        }
        Ok(v["value"].clone())
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body).await.unwrap_or_else(|e| panic!("webdriver: {e}"))
    }

    fn at(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub async fn goto(&self, url: &str) {
        self.call("POST", &self.at("/url"), Some(json!({ "url": url }))).await;
    }

    pub async fn url(&self) -> String {
        self.call("GET", &self.at("/url"), None).await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn source(&self) -> String {
        self.call("GET", &self.at("/source"), None).await.as_str().unwrap_or_default().to_owned()
    }

    /// The first element matching `css`, if any.
    pub async fn find(&self, css: &str) -> Option<String> {
        let v =
            self.try_call("POST", &self.at("/element"), Some(json!({ "using": "css selector", "value": css }))).await;
        let v = v.ok()?;
        v.as_object()?.values().next()?.as_str().map(str::to_owned)
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
        self.call("POST", &self.at(&format!("/element/{element}/click")), Some(json!({}))).await;
    }

    pub async fn send_keys(&self, element: &str, text: &str) {
        self.call("POST", &self.at(&format!("/element/{element}/value")), Some(json!({ "text": text }))).await;
    }

    pub async fn text(&self, element: &str) -> String {
        self.call("GET", &self.at(&format!("/element/{element}/text")), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn property(&self, element: &str, name: &str) -> Value {
        self.call("GET", &self.at(&format!("/element/{element}/property/{name}")), None).await
    }

    /// Runs `script` (a function body; `arguments[n]`) in the page.
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        self.call("POST", &self.at("/execute/sync"), Some(json!({ "script": script, "args": args }))).await
    }

    /// Runs an async script; it finishes by calling `arguments[arguments.length - 1]`.
    pub async fn execute_async(&self, script: &str, args: Value) -> Value {
        self.call("POST", &self.at("/execute/async"), Some(json!({ "script": script, "args": args }))).await
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
        let body = json!({ "descriptor": { "name": name }, "state": state });
        self.call("POST", &self.at("/permissions"), Some(body)).await;
    }

    pub async fn set_window(&self, width: u32, height: u32) {
        self.call("POST", &self.at("/window/rect"), Some(json!({ "width": width, "height": height }))).await;
    }

    /// Saves a PNG of the viewport as `<artefacts>/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.call("GET", &self.at("/screenshot"), None).await;
        let png = base64::engine::general_purpose::STANDARD.decode(b64.as_str().unwrap()).unwrap();
        let path = artefacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

/// Whether this process runs as root (`id -u`; no unsafe `geteuid`).
fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Drop for Browser {
    /// Ends the WebDriver session (which closes Chromium), then chromedriver.
    fn drop(&mut self) {
        if !self.session.is_empty() {
            // Drop cannot await, and blocking inside the test's runtime is
            // refused: a short-lived thread with its own runtime sends it.
            let url = format!("http://127.0.0.1:{}/session/{}", self.port, self.session);
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    let _ = crate::http::http_client()
                        .build()
                        .unwrap()
                        .delete(url)
                        .timeout(Duration::from_secs(5))
                        .send()
                        .await;
                });
            })
            .join();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
