//! The browser test harness: a real headless Chromium driven over WebDriver
//! (`fantoccini`) through Debian's `chromedriver`.
//!
//! * [`open`] starts `chromedriver` once per test binary, on a free port,
//!   and opens a new browser session of the given window size with a fresh
//!   profile. Sessions take turns: one browser at a time per test binary
//!   (several Chromiums at once on a two-core machine only slow each other
//!   down), so a test must close one session before it opens another.
//! * `chromedriver` and every browser it started run in a process group of
//!   their own, ended together when the test binary exits, however it exits:
//!   a browser left open by a failed test does not outlive the run.
//! * [`Session`] derefs to [`fantoccini::Client`] (goto, find, click,
//!   execute...) and adds [`Session::json`] (run a script, get JSON) and
//!   [`Session::screenshot`] (a PNG into [`screenshot_dir`]) and
//!   [`Session::click_to_navigate`] (click, then wait for the next page).
//! * Call [`Session::close`] at the end of a test; a session dropped without
//!   it ends with the driver.
//!
//! Needs the `chromium` and `chromium-driver` packages (`.ci/run` installs
//! them); `MARKAZ_CHROMEDRIVER` names another driver binary.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{mpsc, Mutex, OnceLock};

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use tempfile::TempDir;

/// Phone and desktop window sizes the tests use.
pub const PHONE: (u32, u32) = (360, 740);
pub const DESKTOP: (u32, u32) = (1280, 900);

const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

/// The running driver: its URL, and the pipe whose closing (when the test
/// binary exits, however it exits) makes the wrapper shell end its group.
struct Driver {
    url: String,
    _child: Mutex<Child>,
    _lifeline: Mutex<ChildStdin>,
}

fn driver() -> &'static Driver {
    static DRIVER: OnceLock<Driver> = OnceLock::new();
    DRIVER.get_or_init(start_driver)
}

fn start_driver() -> Driver {
    let program = std::env::var("MARKAZ_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port for chromedriver")
        .port();
    // A new session (`setsid`), so the driver and its browsers share a
    // process group with the shell. The shell waits on its standard input,
    // which only this process holds: at exit it reads end of file and ends
    // the whole group.
    let script =
        format!("\"$0\" --port={port} --allowed-ips=127.0.0.1 </dev/null & read -r _; kill 0");
    let mut child = Command::new("setsid")
        .args(["sh", "-c", &script, &program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|error| {
            panic!("cannot start {program}: {error}; install chromium and chromium-driver")
        });
    let stdout = child.stdout.take().expect("the driver's output");
    let (started, on_started) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref().map_while(Result::ok) {
            if line.contains("started successfully") {
                let _ = started.send(());
                break;
            }
        }
        // Keep reading so the driver never blocks on a full pipe.
        lines.for_each(drop);
    });
    on_started
        .recv()
        .unwrap_or_else(|_| panic!("{program} exited before it started; is it installed?"));
    let lifeline = child.stdin.take().expect("the driver's lifeline");
    Driver {
        url: format!("http://127.0.0.1:{port}"),
        _child: Mutex::new(child),
        _lifeline: Mutex::new(lifeline),
    }
}

/// Held by the test whose browser is open (an async lock: held across awaits,
/// and shared by the tests' separate runtimes).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One browser window (a WebDriver session with its own profile).
pub struct Session {
    client: Client,
    _profile: TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Deref for Session {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// Opens a session whose window is `width` x `height` CSS pixels.
pub async fn open((width, height): (u32, u32)) -> Session {
    let turn = ONE_AT_A_TIME.lock().await;
    let driver = driver();
    let profile = tempfile::tempdir().expect("a browser profile directory");
    let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|flag| flag.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    args.push(format!("--window-size={width},{height}"));
    args.push("--lang=en-US".into());
    args.push("--hide-scrollbars".into());
    args.push("--force-device-scale-factor=1".into());
    let mut options = json!({ "args": args, "prefs": { "intl.accept_languages": "en-US" } });
    if Path::new("/usr/bin/chromium").exists() {
        options["binary"] = json!("/usr/bin/chromium");
    }
    let mut capabilities = Capabilities::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a browser session");
    client
        .set_window_size(width, height)
        .await
        .expect("the window is resized");
    Session {
        client,
        _profile: profile,
        _turn: turn,
    }
}

impl Session {
    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result.
    pub async fn json(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|error| panic!("the script failed: {error}\n{script}"))
    }

    /// Clicks the element `css` selects and waits until the browser shows
    /// the next document (a link followed, a form sent and redirected).
    pub async fn click_to_navigate(&self, css: &str) {
        self.json(
            "document.documentElement.setAttribute('data-left-behind', '')",
            vec![],
        )
        .await;
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("nothing to click at {css}: {error}"))
            .click()
            .await
            .unwrap_or_else(|error| panic!("cannot click {css}: {error}"));
        self.client
            .wait()
            .for_element(Locator::Css("html:not([data-left-behind])"))
            .await
            .unwrap_or_else(|error| panic!("no new page after clicking {css}: {error}"));
    }

    /// Saves a PNG of the viewport as `<screenshot_dir>/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("the screenshot directory");
        let path = dir.join(format!("{name}.png"));
        let mut file = std::fs::File::create(&path).expect("a screenshot file");
        file.write_all(&png).expect("the screenshot is written");
        path
    }

    /// Ends the session and its browser.
    pub async fn close(self) {
        self.client.close().await.expect("the session closes");
    }
}

/// Where screenshots go: `MARKAZ_SCREENSHOT_DIR`, else `target/screenshots`.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("MARKAZ_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
                .join("screenshots")
        })
}
