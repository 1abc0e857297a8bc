//! A minimal headless-Chromium harness for the console tests: one
//! chromedriver per test binary, one fresh browser profile per test, tests
//! run one at a time (two Chromiums at once on a small CI machine only make
//! both slower). Debian's `chromium` and `chromium-driver` provide the
//! browser and the driver; `.ci/run` installs them when missing.

use std::io::{BufReader, Cursor};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tempfile::TempDir;

/// The chromedriver of this test binary, in a process group of its own with
/// the browsers it starts. The group's shell kills the whole group when our
/// end of its standard input closes, i.e. when the test binary exits, so a
/// browser left open by a failed test does not outlive the run.
struct Driver {
    url: String,
    _process: Mutex<Child>,
}

static DRIVER: OnceLock<Driver> = OnceLock::new();
/// Held by the test whose browser is open (an async lock: it is held across awaits).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn driver() -> &'static Driver {
    DRIVER.get_or_init(|| {
        let found = Command::new("sh")
            .args(["-c", "command -v chromedriver"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        assert!(
            found,
            "the browser tests need Chromium and its WebDriver: apt-get install -y \
             --no-install-recommends chromium chromium-driver fonts-noto-core"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let script = format!(
            "chromedriver --port={port} --allowed-ips=127.0.0.1 >/dev/null 2>&1 & \
             read _closed; kill 0"
        );
        let process = Command::new("setsid")
            .arg("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .spawn()
            .expect("chromedriver starts (install Debian's chromium-driver)");
        // Chromedriver has no readiness signal but its port: poll it briefly.
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            url: format!("http://127.0.0.1:{port}"),
            _process: Mutex::new(process),
        }
    })
}

/// A browser session with its own profile; closed on `close`.
pub struct Browser {
    pub client: Client,
    _profile: TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Browser {
    /// Opens headless Chromium with a `width` x `height` window, in English.
    pub async fn open(width: u32, height: u32) -> Browser {
        let turn = ONE_AT_A_TIME.lock().await;
        let profile = tempfile::tempdir().expect("a profile directory");
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--lang=en-US".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        args.push("--force-device-scale-factor=1".to_owned());
        let mut options = json!({ "args": args, "prefs": { "intl.accept_languages": "en-US" } });
        if std::path::Path::new("/usr/bin/chromium").exists() {
            options["binary"] = json!("/usr/bin/chromium");
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".to_owned(), options);
        // Chromedriver speaks plain HTTP on loopback: no TLS needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&driver().url)
            .await
            .expect("a Chromium session");
        // The window's frame takes some pixels: size it so the page gets `width` x `height`.
        client
            .set_window_size(width, height)
            .await
            .expect("the window is resized");
        let inner = client
            .execute("return [window.innerWidth, window.innerHeight]", vec![])
            .await
            .expect("the viewport is measured");
        let inner_width = inner[0].as_u64().unwrap_or(width.into()) as u32;
        let inner_height = inner[1].as_u64().unwrap_or(height.into()) as u32;
        client
            .set_window_size(
                width + width.saturating_sub(inner_width),
                height + height.saturating_sub(inner_height),
            )
            .await
            .expect("the window is resized");
        Browser {
            client,
            _profile: profile,
            _turn: turn,
        }
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("the page opens");
    }

    /// Waits (up to 10 s) for an element matching the CSS selector.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(error) => {
                let source = self.client.source().await.unwrap_or_default();
                panic!("no `{css}` appeared: {error}\npage:\n{source}")
            }
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no `{css}`: {error}"))
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("a query")
            .is_empty()
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("its text")
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element.clear().await.expect("the field clears");
        element.send_keys(text).await.expect("typing works");
    }

    pub async fn choose(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .expect("the option exists");
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("the click lands");
    }

    pub async fn run(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .expect("the script runs")
    }

    /// Signs in on the console page with `token`, and waits for the menu.
    pub async fn sign_in(&self, base: &str, token: &str) {
        self.goto(&format!("{base}/console/")).await;
        self.wait_for("#token").await;
        self.fill("#token", token).await;
        self.click("#signin").await;
        self.wait_for("#nav a").await;
    }

    /// Saves a screenshot of the window for people to look at.
    pub async fn save_screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
        std::fs::create_dir_all(&dir).expect("the screenshot folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        path
    }
}

/// The texts of every QR code in a PNG image.
pub fn decode_qr(png_bytes: &[u8]) -> Vec<String> {
    let mut decoder = png::Decoder::new(BufReader::new(Cursor::new(png_bytes)));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sane size")];
    let frame = reader.next_frame(&mut pixels).expect("the PNG decodes");
    let channels = frame.color_type.samples();
    let (width, height) = (frame.width as usize, frame.height as usize);
    let grey = |x: usize, y: usize| -> u8 {
        let at = (y * width + x) * channels;
        let pixel = &pixels[at..at + channels.min(3)];
        let sum: usize = pixel.iter().map(|&v| v as usize).sum();
        (sum / pixel.len()) as u8
    };
    // A white margin and three times the pixels: a code drawn a few screen
    // pixels per module is then found as reliably as a printed one.
    const MARGIN: usize = 16;
    const SCALE: usize = 3;
    let (big_width, big_height) = ((width + 2 * MARGIN) * SCALE, (height + 2 * MARGIN) * SCALE);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(big_width, big_height, |x, y| {
        let (x, y) = (x / SCALE, y / SCALE);
        if x < MARGIN || y < MARGIN || x >= width + MARGIN || y >= height + MARGIN {
            255
        } else {
            grey(x - MARGIN, y - MARGIN)
        }
    });
    image
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect()
}
