//! The PDF of an issued document (`GET
//! /api/v1/service-requests/{id}/document.pdf`): one A4 page (more if the
//! issued text is long) with the same content as the printable HTML view —
//! the issuing markaz, the document's number, the holder, the issued text,
//! the date of issue, the QR code of the verification address and the
//! content digest — written as PDF/A-2b so that it can be archived.
//!
//! The fonts are compiled in (Noto Sans for Latin script, Noto Nastaliq
//! Urdu for Urdu; SIL Open Font License, see `fonts/OFL.txt`) and embedded
//! as subsets, so the document looks the same on every reader and the
//! build does not depend on the machine's fonts. Every line is laid out
//! with the Unicode bidirectional algorithm: Urdu runs are shaped right to
//! left in Nastaliq, Latin runs and numbers left to right, and a paragraph
//! whose first strong letter is Urdu is set from the right margin.

use std::ops::Range;
use std::sync::OnceLock;

use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};
use markaz_projections::{DocumentStatus, IssuedDocument};
use qrcode::{Color, EcLevel, QrCode};
use rustybuzz::{Direction, UnicodeBuffer};
use unicode_bidi::BidiInfo;

/// A4 in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 56.0;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
const TEXT_WIDTH: f32 = RIGHT - MARGIN;
/// Where the text must stop on a page (room left for the page number).
const BOTTOM: f32 = PAGE_HEIGHT - MARGIN - 20.0;
/// The side of the QR code.
const QR_SIDE: f32 = 120.0;
/// Where the value column of the table starts.
const VALUE_X: f32 = MARGIN + 120.0;

const SANS: &[u8] = include_bytes!("../../fonts/NotoSans-Regular.ttf");
const SANS_BOLD: &[u8] = include_bytes!("../../fonts/NotoSans-Bold.ttf");
const NASTALIQ: &[u8] = include_bytes!("../../fonts/NotoNastaliqUrdu-Regular.ttf");

/// Why a PDF could not be made (a fault of this program, never of the
/// request: the data was accepted when the document was issued).
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font {0} cannot be read")]
    Font(&'static str),
    #[error("the verification address cannot be put in a QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// The face a run of text is set in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Face {
    Sans,
    Bold,
    Nastaliq,
}

struct Fonts {
    sans: (Font, rustybuzz::Face<'static>),
    bold: (Font, rustybuzz::Face<'static>),
    nastaliq: (Font, rustybuzz::Face<'static>),
}

impl Fonts {
    fn load() -> Result<Fonts, PdfError> {
        let load = |name: &'static str, data: &'static [u8]| {
            let font = Font::new(data.into(), 0).ok_or(PdfError::Font(name))?;
            let face = rustybuzz::Face::from_slice(data, 0).ok_or(PdfError::Font(name))?;
            Ok::<_, PdfError>((font, face))
        };
        Ok(Fonts {
            sans: load("Noto Sans", SANS)?,
            bold: load("Noto Sans Bold", SANS_BOLD)?,
            nastaliq: load("Noto Nastaliq Urdu", NASTALIQ)?,
        })
    }

    fn get(&self, face: Face) -> &(Font, rustybuzz::Face<'static>) {
        match face {
            Face::Sans => &self.sans,
            Face::Bold => &self.bold,
            Face::Nastaliq => &self.nastaliq,
        }
    }
}

fn fonts() -> Result<&'static Fonts, PdfError> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| Fonts::load().map_err(|error| error.to_string()))
        .as_ref()
        .map_err(|error| PdfError::Write(error.clone()))
}

/// Whether `c` is written in the Arabic script (Urdu's).
fn is_arabic_script(c: char) -> bool {
    matches!(c as u32,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
}

/// One shaped run: glyphs in visual order, and the text they stand for
/// (so that the text can be copied and searched in the PDF).
struct Run {
    face: Face,
    text: String,
    glyphs: Vec<KrillaGlyph>,
    /// Width in ems.
    advance: f32,
}

/// One line, its runs in visual order (left to right on the page).
struct Line {
    runs: Vec<Run>,
    size: f32,
    rtl: bool,
}

impl Line {
    fn width(&self) -> f32 {
        self.runs.iter().map(|run| run.advance).sum::<f32>() * self.size
    }

    fn has_nastaliq(&self) -> bool {
        self.runs.iter().any(|run| run.face == Face::Nastaliq)
    }

    /// The distance from this line's baseline to the next one's: Nastaliq
    /// rises and falls much further than Latin script.
    fn leading(&self) -> f32 {
        if self.has_nastaliq() {
            self.size * 2.3
        } else {
            self.size * 1.45
        }
    }
}

/// Shapes `text` (one direction, one face) with HarfBuzz's rules.
fn shape(fonts: &Fonts, face: Face, text: &str, rtl: bool) -> Run {
    let (_, shaper) = fonts.get(face);
    let units = shaper.units_per_em() as f32;
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    buffer.set_direction(if rtl {
        Direction::RightToLeft
    } else {
        Direction::LeftToRight
    });
    let output = rustybuzz::shape(shaper, &[], buffer);
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    // Each glyph stands for its cluster: from its cluster's start to the
    // next larger cluster start (in text order, whatever the direction).
    let mut starts: Vec<usize> = infos.iter().map(|info| info.cluster as usize).collect();
    starts.sort_unstable();
    starts.dedup();
    let cluster_range = |start: usize| -> Range<usize> {
        let end = starts
            .iter()
            .copied()
            .find(|&next| next > start)
            .unwrap_or(text.len());
        start..end
    };
    let mut glyphs = Vec::with_capacity(infos.len());
    let mut advance = 0.0;
    for (info, position) in infos.iter().zip(positions) {
        let x_advance = position.x_advance as f32 / units;
        advance += x_advance;
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(info.glyph_id),
            x_advance,
            position.x_offset as f32 / units,
            position.y_offset as f32 / units,
            position.y_advance as f32 / units,
            cluster_range(info.cluster as usize),
            None,
        ));
    }
    Run {
        face,
        text: text.to_owned(),
        glyphs,
        advance,
    }
}

/// Lays out one line of text (no line breaks in it): the bidirectional
/// algorithm splits it into runs, each shaped in its own direction and in
/// the face of its script.
fn line(fonts: &Fonts, text: &str, size: f32, bold: bool) -> Line {
    let latin = if bold { Face::Bold } else { Face::Sans };
    let bidi = BidiInfo::new(text, None);
    let mut runs = Vec::new();
    let mut rtl = false;
    for paragraph in &bidi.paragraphs {
        rtl = paragraph.level.is_rtl();
        let (levels, visual) = bidi.visual_runs(paragraph, paragraph.range.clone());
        for range in visual {
            let piece = &text[range.clone()];
            if piece.is_empty() {
                continue;
            }
            let run_rtl = levels[range.start].is_rtl();
            let face = if piece.chars().any(is_arabic_script) {
                Face::Nastaliq
            } else {
                latin
            };
            runs.push(shape(fonts, face, piece, run_rtl));
        }
    }
    Line { runs, size, rtl }
}

/// Breaks a paragraph into lines no wider than `width`, at spaces.
fn wrap(fonts: &Fonts, paragraph: &str, size: f32, bold: bool, width: f32) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in paragraph.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && line(fonts, &candidate, size, bold).width() > width {
            lines.push(line(fonts, &current, size, bold));
            current = word.to_owned();
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(line(fonts, &current, size, bold));
    }
    lines
}

/// Where a line is set.
#[derive(Clone, Copy)]
enum Align {
    /// From this x, rightwards.
    Left(f32),
    /// Ending at this x.
    Right(f32),
    /// Left or right margin, as the line's own direction asks.
    Natural,
}

/// Something drawn on a page.
enum Mark {
    Text { line: Line, x: f32, baseline: f32 },
    Rule { y: f32 },
    Qr { x: f32, y: f32, code: QrCode },
}

/// The pages being laid out, and the cursor on the last one.
struct Layout {
    pages: Vec<Vec<Mark>>,
    y: f32,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    fn page(&mut self) -> &mut Vec<Mark> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Makes room for `height` more points, starting a page if needed.
    fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    /// Puts `line` with its baseline one ascent below the cursor and moves
    /// the cursor down by its leading.
    fn put(&mut self, line: Line, align: Align) {
        let leading = line.leading();
        self.room(leading);
        let baseline = self.y + line.size * if line.has_nastaliq() { 1.5 } else { 1.0 };
        let x = match align {
            Align::Left(x) => x,
            Align::Right(right) => right - line.width(),
            Align::Natural if line.rtl => RIGHT - line.width(),
            Align::Natural => MARGIN,
        };
        self.page().push(Mark::Text { line, x, baseline });
        self.y += leading;
    }

    /// Puts several lines on one row (label, value, Urdu label), each at
    /// its own place, and moves down by the tallest.
    fn row(&mut self, lines: Vec<(Line, Align)>) {
        let leading = lines
            .iter()
            .map(|(line, _)| line.leading())
            .fold(0.0, f32::max);
        self.room(leading);
        let tall = lines.iter().any(|(line, _)| line.has_nastaliq());
        for (line, align) in lines {
            let baseline = self.y + line.size * if tall { 1.5 } else { 1.0 };
            let x = match align {
                Align::Left(x) => x,
                Align::Right(right) => right - line.width(),
                Align::Natural if line.rtl => RIGHT - line.width(),
                Align::Natural => MARGIN,
            };
            self.page().push(Mark::Text { line, x, baseline });
        }
        self.y += leading;
    }

    fn rule(&mut self) {
        self.room(14.0);
        let y = self.y + 4.0;
        self.page().push(Mark::Rule { y });
        self.y += 14.0;
    }

    fn gap(&mut self, height: f32) {
        self.y += height;
    }
}

/// The labels of the document, in English and Urdu.
const LABELS: [(&str, &str); 5] = [
    ("Document number", "دستاویز نمبر"),
    ("Issued by", "جاری کنندہ"),
    ("Date of issue", "تاریخ اجرا"),
    ("Holder", "حامل"),
    ("CNIC", "شناختی کارڈ نمبر"),
];

/// The PDF of `document`: `issues_en` is the English name of what the
/// service issues (the title), `verification_url` the address the QR code
/// carries (the same as on the printable HTML view).
pub fn render(
    document: &IssuedDocument,
    issues_en: &str,
    verification_url: &str,
) -> Result<Vec<u8>, PdfError> {
    let layout = lay_out(document, issues_en, verification_url)?;
    write(document, issues_en, layout)
}

/// Places everything on pages.
fn lay_out(
    document: &IssuedDocument,
    issues_en: &str,
    verification_url: &str,
) -> Result<Layout, PdfError> {
    let fonts = fonts()?;
    let code = QrCode::with_error_correction_level(verification_url.as_bytes(), EcLevel::M)?;
    let mut layout = Layout::new();

    let markaz_en = format!("Police Khidmat Markaz {}", document.markaz);
    let markaz_ur = format!("پولیس خدمت مرکز {}", document.markaz);
    layout.row(vec![
        (line(fonts, &markaz_en, 11.0, true), Align::Left(MARGIN)),
        (line(fonts, &markaz_ur, 11.0, false), Align::Right(RIGHT)),
    ]);
    layout.gap(6.0);
    for title in wrap(fonts, issues_en, 20.0, true, TEXT_WIDTH) {
        layout.put(title, Align::Left(MARGIN));
    }
    for title in wrap(fonts, &document.service_name_ur, 16.0, false, TEXT_WIDTH) {
        layout.put(title, Align::Right(RIGHT));
    }
    match document.status {
        DocumentStatus::Issued => {}
        DocumentStatus::Revoked => {
            let when = document.revoked_at.as_deref().unwrap_or_default();
            let reason = document.revocation_reason.as_deref().unwrap_or_default();
            let notice = format!("REVOKED {}: {reason}", when.get(..10).unwrap_or(when));
            for notice in wrap(fonts, &notice, 13.0, true, TEXT_WIDTH) {
                layout.put(notice, Align::Natural);
            }
            layout.put(
                line(fonts, "یہ دستاویز منسوخ ہو چکی ہے", 12.0, false),
                Align::Right(RIGHT),
            );
        }
        DocumentStatus::Superseded => {
            let successor = document.superseded_by.as_deref().unwrap_or_default();
            let notice = format!("SUPERSEDED by {successor}");
            layout.put(line(fonts, &notice, 13.0, true), Align::Left(MARGIN));
        }
    }
    layout.rule();

    let values = [
        document.number.as_str(),
        markaz_en.as_str(),
        document.issued_on(),
        document.holder_name.as_str(),
        document.holder_cnic.as_str(),
    ];
    for ((label_en, label_ur), value) in LABELS.iter().zip(values) {
        let value_width = RIGHT - VALUE_X - 100.0;
        let mut lines = wrap(fonts, value, 12.0, false, value_width).into_iter();
        let first = lines.next().unwrap_or_else(|| line(fonts, "", 12.0, false));
        layout.row(vec![
            (line(fonts, label_en, 10.0, false), Align::Left(MARGIN)),
            (first, Align::Left(VALUE_X)),
            (line(fonts, label_ur, 10.0, false), Align::Right(RIGHT)),
        ]);
        for more in lines {
            layout.put(more, Align::Left(VALUE_X));
        }
    }
    layout.rule();
    layout.gap(4.0);

    for paragraph in document.text.lines() {
        if paragraph.trim().is_empty() {
            layout.gap(8.0);
            continue;
        }
        for text_line in wrap(fonts, paragraph, 12.0, false, TEXT_WIDTH) {
            layout.put(text_line, Align::Natural);
        }
        layout.gap(4.0);
    }

    // The QR code and what it carries, kept together at the end.
    layout.gap(12.0);
    layout.room(QR_SIDE + 20.0);
    layout.rule();
    let top = layout.y;
    layout.page().push(Mark::Qr {
        x: MARGIN,
        y: top,
        code,
    });
    let beside = MARGIN + QR_SIDE + 16.0;
    let width = RIGHT - beside;
    layout.y = top;
    layout.put(
        line(fonts, "Verify this document at", 9.0, false),
        Align::Left(beside),
    );
    for part in break_anywhere(fonts, verification_url, 9.0, width) {
        layout.put(part, Align::Left(beside));
    }
    layout.gap(4.0);
    let digest = format!("Content digest {}", document.digest);
    layout.put(line(fonts, &digest, 10.0, true), Align::Left(beside));
    layout.put(
        line(
            fonts,
            "اس دستاویز کی تصدیق کے لیے کیو آر کوڈ اسکین کریں",
            10.0,
            false,
        ),
        Align::Right(RIGHT),
    );
    layout.y = layout.y.max(top + QR_SIDE);
    Ok(layout)
}

/// Breaks a long token (an address) into lines no wider than `width`,
/// anywhere.
fn break_anywhere(fonts: &Fonts, text: &str, size: f32, width: f32) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        let mut candidate = current.clone();
        candidate.push(c);
        if !current.is_empty() && line(fonts, &candidate, size, false).width() > width {
            lines.push(line(fonts, &current, size, false));
            current = c.to_string();
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(line(fonts, &current, size, false));
    }
    lines
}

/// The document's metadata: title, language (Urdu if its text is), date.
fn metadata(document: &IssuedDocument, issues_en: &str) -> Metadata {
    let urdu = document.text.chars().any(is_arabic_script);
    let mut metadata = Metadata::new()
        .title(format!("{issues_en} {}", document.number))
        .language(if urdu { "ur" } else { "en" }.to_owned())
        .creator("Markaz".to_owned())
        .document_id(document.number.clone());
    if let Ok(issued) = chrono::DateTime::parse_from_rfc3339(&document.issued_at) {
        use chrono::{Datelike, Timelike};
        let utc = issued.to_utc();
        if let Ok(year) = u16::try_from(utc.year()) {
            metadata = metadata.creation_date(
                DateTime::new(year)
                    .month(utc.month() as u8)
                    .day(utc.day() as u8)
                    .hour(utc.hour() as u8)
                    .minute(utc.minute() as u8)
                    .second(utc.second() as u8)
                    .utc_offset_hour(0)
                    .utc_offset_minute(0),
            );
        }
    }
    metadata
}

fn write(document: &IssuedDocument, issues_en: &str, layout: Layout) -> Result<Vec<u8>, PdfError> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(|error| PdfError::Write(format!("{error:?}")))?;
    let settings = SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    };
    let fonts = fonts()?;
    let mut pdf = Document::new_with(settings);
    pdf.set_metadata(metadata(document, issues_en));
    let count = layout.pages.len();
    for (index, marks) in layout.pages.into_iter().enumerate() {
        let size = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| PdfError::Write("the page size is invalid".to_owned()))?;
        let mut page = pdf.start_page_with(size);
        let mut surface = page.surface();
        for mark in marks {
            draw(&mut surface, fonts, mark);
        }
        if count > 1 {
            let footer = format!("{} · {}/{}", document.number, index + 1, count);
            let footer = line(fonts, &footer, 8.0, false);
            let x = RIGHT - footer.width();
            draw(
                &mut surface,
                fonts,
                Mark::Text {
                    line: footer,
                    x,
                    baseline: PAGE_HEIGHT - MARGIN,
                },
            );
        }
        surface.finish();
        page.finish();
    }
    pdf.finish()
        .map_err(|error| PdfError::Write(format!("{error:?}")))
}

fn black() -> Fill {
    Fill {
        paint: rgb::Color::black().into(),
        ..Fill::default()
    }
}

fn draw(surface: &mut Surface<'_>, fonts: &Fonts, mark: Mark) {
    match mark {
        Mark::Text { line, x, baseline } => {
            surface.set_fill(Some(black()));
            surface.set_stroke(None);
            let mut x = x;
            for run in &line.runs {
                let (font, _) = fonts.get(run.face);
                surface.draw_glyphs(
                    Point::from_xy(x, baseline),
                    &run.glyphs,
                    font.clone(),
                    &run.text,
                    line.size,
                    false,
                );
                x += run.advance * line.size;
            }
        }
        Mark::Rule { y } => {
            let mut path = PathBuilder::new();
            path.move_to(MARGIN, y);
            path.line_to(RIGHT, y);
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: rgb::Color::new(120, 120, 120).into(),
                    width: 0.6,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
        Mark::Qr { x, y, code } => {
            let modules = code.width();
            let colors = code.to_colors();
            // A quiet zone of 2 modules on each side inside QR_SIDE.
            let module = QR_SIDE / (modules as f32 + 4.0);
            let mut path = PathBuilder::new();
            for (index, color) in colors.iter().enumerate() {
                if *color != Color::Dark {
                    continue;
                }
                let (row, column) = (index / modules, index % modules);
                let left = x + (column as f32 + 2.0) * module;
                let top = y + (row as f32 + 2.0) * module;
                if let Some(rect) = Rect::from_xywh(left, top, module, module) {
                    path.push_rect(rect);
                }
            }
            if let Some(path) = path.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(black()));
                surface.draw_path(&path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(text: &str, holder: &str) -> IssuedDocument {
        IssuedDocument {
            number: "QTA-2026-000042".to_owned(),
            request_id: String::new(),
            markaz: "QTA".to_owned(),
            service: "character_certificate".to_owned(),
            service_name_en: "Character certificate".to_owned(),
            service_name_ur: "کریکٹر سرٹیفکیٹ".to_owned(),
            holder_name: holder.to_owned(),
            holder_cnic: "54400-*******-3".to_owned(),
            text: text.to_owned(),
            issued_at: "2026-03-02T10:15:00Z".to_owned(),
            event_hash: "00".repeat(32),
            status: DocumentStatus::Issued,
            superseded_by: None,
            revoked_at: None,
            revocation_reason: None,
            digest: "0123456789abcdef".to_owned(),
        }
    }

    #[test]
    fn an_english_document_is_a_pdf() {
        let document = document("No criminal record was found.", "Ayesha Khan");
        let pdf = render(
            &document,
            "Character certificate",
            "https://x.test/verify/1?d=2",
        )
        .expect("renders");
        assert!(pdf.starts_with(b"%PDF-"));
    }

    #[test]
    fn an_urdu_paragraph_is_set_right_to_left_in_nastaliq() {
        let fonts = fonts().expect("fonts load");
        let urdu = line(
            fonts,
            "اس شخص کا کوئی مجرمانہ ریکارڈ نہیں ملا 2026",
            12.0,
            false,
        );
        assert!(urdu.rtl);
        assert!(urdu.runs.iter().any(|run| run.face == Face::Nastaliq));
        // The year is a left-to-right run of its own, set in Noto Sans.
        assert!(urdu
            .runs
            .iter()
            .any(|run| run.face == Face::Sans && run.text == "2026"));
        let english = line(fonts, "No record", 12.0, false);
        assert!(!english.rtl);
        assert!(english.runs.iter().all(|run| run.face == Face::Sans));
    }

    #[test]
    fn long_text_wraps_within_the_margins_and_onto_more_pages() {
        let fonts = fonts().expect("fonts load");
        let paragraph = "word ".repeat(400);
        let lines = wrap(fonts, &paragraph, 12.0, false, TEXT_WIDTH);
        assert!(lines.len() > 10);
        assert!(lines.iter().all(|line| line.width() <= TEXT_WIDTH));
        let long = format!("{paragraph}\n").repeat(3);
        let layout = lay_out(
            &document(&long, "Ayesha Khan"),
            "Character certificate",
            "u",
        )
        .expect("lays out");
        assert!(
            layout.pages.len() >= 2,
            "expected the text to run onto a second page"
        );
        let pdf = write(
            &document(&long, "Ayesha Khan"),
            "Character certificate",
            layout,
        )
        .expect("renders");
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
