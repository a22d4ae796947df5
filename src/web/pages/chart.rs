//! A small, server-rendered SVG of the domain ratings over time: one row per domain (small
//! multiples), each labelled with the domain's name and its latest value, so that nothing is
//! told by colour alone. The picture has a `<title>`; pages also show the latest values as text.

use std::fmt::Write;

use chrono::NaiveDate;
use handlebars::html_escape;

use crate::progress_notes::Ratings;
use crate::web::pages::progress_notes::rating_values;

const WIDTH: f64 = 320.0;
const LABEL_WIDTH: f64 = 140.0;
const PLOT_WIDTH: f64 = 140.0;
const ROW_HEIGHT: f64 = 26.0;
/// Vertical distance between two rating steps (1 → 2) within a row.
const STEP: f64 = 4.0;

/// The chart, or `None` when no contact has any rating. `id` makes element ids unique on the
/// page; `title` says what it shows (text alternative); `labels` name the five domains in
/// [`crate::web::pages::progress_notes::DOMAINS`] order. Every text is escaped.
pub fn ratings_svg(
    id: &str,
    title: &str,
    labels: &[String; 5],
    contacts: &[(NaiveDate, Ratings)],
) -> Option<String> {
    let values: Vec<(NaiveDate, [Option<i32>; 5])> = contacts
        .iter()
        .map(|(d, r)| (*d, rating_values(r)))
        .collect();
    if !values.iter().any(|(_, v)| v.iter().any(Option::is_some)) {
        return None;
    }
    let first = values.first()?.0;
    let last = values.last()?.0;
    let span = (last - first).num_days();
    let x_of = |d: NaiveDate| {
        if span == 0 {
            LABEL_WIDTH + PLOT_WIDTH / 2.0
        } else {
            LABEL_WIDTH + PLOT_WIDTH * (d - first).num_days() as f64 / span as f64
        }
    };
    let height = ROW_HEIGHT * 5.0 + 4.0;
    let id = html_escape(id);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="ratings-chart" role="img" aria-labelledby="{id}-title" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"><title id="{id}-title">{}</title>"#,
        html_escape(title)
    );
    for (row, label) in labels.iter().enumerate() {
        let top = 2.0 + ROW_HEIGHT * row as f64;
        let bottom = top + ROW_HEIGHT - 6.0;
        let y_of = |rating: i32| bottom - STEP * f64::from(rating.clamp(1, 5) - 1);
        let _ = write!(
            svg,
            r##"<g class="domain"><text x="0" y="{:.1}" font-size="12" fill="currentColor">{}</text><line x1="{LABEL_WIDTH}" y1="{bottom:.1}" x2="{:.1}" y2="{bottom:.1}" stroke="#c9d1d9" stroke-width="1"/>"##,
            bottom,
            html_escape(label),
            LABEL_WIDTH + PLOT_WIDTH
        );
        // A line joins consecutive rated contacts; an unrated contact breaks it.
        let mut segment: Vec<String> = Vec::new();
        let mut segments: Vec<Vec<String>> = Vec::new();
        let mut latest = None;
        for (date, ratings) in &values {
            match ratings[row] {
                Some(r) => {
                    let (x, y) = (x_of(*date), y_of(r));
                    segment.push(format!("{x:.1},{y:.1}"));
                    let _ = write!(
                        svg,
                        r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.5" fill="currentColor"/>"#
                    );
                    latest = Some(r);
                }
                None => segments.push(std::mem::take(&mut segment)),
            }
        }
        segments.push(segment);
        for points in segments.iter().filter(|s| s.len() > 1) {
            let _ = write!(
                svg,
                r#"<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{}"/>"#,
                points.join(" ")
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{bottom:.1}" font-size="12" font-weight="bold" fill="currentColor">{}</text></g>"#,
            LABEL_WIDTH + PLOT_WIDTH + 10.0,
            latest.map_or("–".to_string(), |r| r.to_string())
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> [String; 5] {
        ["E", "A", "S", "I", "R"].map(String::from)
    }

    fn rated(e: Option<i32>) -> Ratings {
        Ratings {
            engagement: e,
            attitudes: Some(3),
            ..Default::default()
        }
    }

    #[test]
    fn the_chart_draws_one_row_per_domain_and_breaks_lines_at_unrated_contacts() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let svg = ratings_svg(
            "c1",
            "Ratings <KG>",
            &labels(),
            &[
                (d("2026-10-01"), rated(Some(2))),
                (d("2026-10-15"), rated(None)),
                (d("2026-11-01"), rated(Some(4))),
            ],
        )
        .unwrap();
        assert!(svg.contains(r#"<title id="c1-title">Ratings &lt;KG&gt;</title>"#));
        assert_eq!(svg.matches("<g class=\"domain\">").count(), 5);
        // Engagement: two points, no line between them; attitudes: one line of three points.
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 5);
        assert!(svg.contains("font-weight=\"bold\" fill=\"currentColor\">4</text>"));
    }

    #[test]
    fn no_ratings_no_chart() {
        let d = "2026-10-01".parse().unwrap();
        assert!(ratings_svg("c", "t", &labels(), &[(d, Ratings::default())]).is_none());
        assert!(ratings_svg("c", "t", &labels(), &[]).is_none());
    }
}
