//! A small document model rendered both as Markdown and as self-contained HTML, so the two
//! reports always say the same thing.

use std::fmt::Write as _;

/// One block of a report.
#[derive(Clone, Debug)]
pub enum Block {
    /// A heading of level 1-3.
    Heading(u8, String),
    /// A paragraph of Markdown inline text: `**bold**` is kept in both forms, and a backslash
    /// before an ASCII punctuation character shows that character as written (see
    /// [`literal`], for names and other text from the user).
    Paragraph(String),
    /// A table: header and rows; cells after the first are right-aligned.
    Table(Vec<String>, Vec<Vec<String>>),
    /// A chart: its file stem, caption and SVG text (inlined in HTML, linked as PNG in
    /// Markdown).
    Figure(String, String, String),
    /// Preformatted text.
    Pre(String),
}

/// A report: a title and blocks.
#[derive(Clone, Debug, Default)]
pub struct Document {
    /// Page title.
    pub title: String,
    /// Content.
    pub blocks: Vec<Block>,
}

impl Document {
    /// Appends a block.
    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }

    /// The Markdown form.
    pub fn markdown(&self) -> String {
        let mut out = format!("# {}\n\n", one_line(&self.title));
        for b in &self.blocks {
            match b {
                Block::Heading(level, text) => {
                    let _ = writeln!(
                        out,
                        "{} {}\n",
                        "#".repeat(usize::from(*level) + 1),
                        one_line(text)
                    );
                }
                Block::Paragraph(text) => {
                    let _ = writeln!(out, "{text}\n");
                }
                Block::Table(header, rows) => {
                    let cell = markdown_cell;
                    let _ = writeln!(
                        out,
                        "| {} |",
                        header
                            .iter()
                            .map(|h| cell(h))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    );
                    let align: Vec<&str> = (0..header.len())
                        .map(|i| if i == 0 { "---" } else { "---:" })
                        .collect();
                    let _ = writeln!(out, "| {} |", align.join(" | "));
                    for row in rows {
                        let _ = writeln!(
                            out,
                            "| {} |",
                            row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
                        );
                    }
                    out.push('\n');
                }
                Block::Figure(stem, caption, _) => {
                    let _ = writeln!(
                        out,
                        "![{caption}]({stem}.png)\n\n*{caption}* ([SVG]({stem}.svg))\n"
                    );
                }
                Block::Pre(text) => {
                    let _ = writeln!(out, "```\n{}\n```\n", text.trim_end());
                }
            }
        }
        out
    }

    /// The HTML form: one file, the charts inlined as SVG, no network.
    pub fn html(&self) -> String {
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
            escape(&self.title),
            escape(&self.title)
        );
        for b in &self.blocks {
            match b {
                Block::Heading(level, text) => {
                    let _ = writeln!(out, "<h{0}>{1}</h{0}>", level + 1, escape(text));
                }
                Block::Paragraph(text) => {
                    let _ = writeln!(out, "<p>{}</p>", inline_html(text));
                }
                Block::Table(header, rows) => {
                    out.push_str("<table>\n<thead><tr>");
                    for h in header {
                        let _ = write!(out, "<th>{}</th>", html_cell(h));
                    }
                    out.push_str("</tr></thead>\n<tbody>\n");
                    for row in rows {
                        out.push_str("<tr>");
                        for c in row {
                            let _ = write!(out, "<td>{}</td>", html_cell(c));
                        }
                        out.push_str("</tr>\n");
                    }
                    out.push_str("</tbody>\n</table>\n");
                }
                Block::Figure(_, caption, svg) => {
                    let _ = writeln!(
                        out,
                        "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
                        strip_xml_header(svg),
                        escape(caption)
                    );
                }
                Block::Pre(text) => {
                    let _ = writeln!(out, "<pre>{}</pre>", escape(text.trim_end()));
                }
            }
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0}th,td{padding:.3em .7em;border-bottom:1px solid #ddd}\
td:not(:first-child),th:not(:first-child){text-align:right}th{background:#f4f4f4}\
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto}figcaption{color:#555;font-style:italic}\
pre{background:#f7f7f7;padding:1em;overflow-x:auto}";

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Text on one line: line breaks become spaces (a heading ends at a line break).
fn one_line(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\n', '\r'], " ")
}

/// A Markdown table cell: a `|` or a line break would end the cell or the row, a backslash
/// would escape what follows and HTML specials would become markup, so all are escaped.
fn markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.replace("\r\n", "\n").chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' => out.push_str("\\\\"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// An HTML table cell: escaped, line breaks kept as breaks.
fn html_cell(text: &str) -> String {
    escape(&text.replace("\r\n", "\n")).replace(['\n', '\r'], "<br>")
}

/// Text from the user (a strategy's name) to place in a [`Block::Paragraph`] as written: the
/// characters that can start Markdown inline markup (emphasis, code, links, HTML, entities,
/// strikethrough, table pipes, escapes) get a backslash, which CommonMark shows as the
/// character itself, so `a|b<script>` or `**x**` can neither become markup in `report.md` nor
/// end the paragraph's bold; the HTML form shows the characters, escaped. Others (`-`, `.`)
/// stay as they are: they matter only at the start of a line, where no name is put.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A paragraph's text as HTML: `**` opens and closes `<strong>`, a backslash-escaped
/// character is shown as written, and everything is HTML-escaped.
fn inline_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut strong = false;
    let mut chars = text.chars().peekable();
    let mut plain = [0u8; 4];
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(char::is_ascii_punctuation) => {
                let next = chars.next().expect("peeked");
                out.push_str(&escape(next.encode_utf8(&mut plain)));
            }
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str(if strong { "</strong>" } else { "<strong>" });
                strong = !strong;
            }
            c => out.push_str(&escape(c.encode_utf8(&mut plain))),
        }
    }
    if strong {
        out.push_str("</strong>");
    }
    out
}

/// An SVG document's element without its XML declaration, for inlining.
fn strip_xml_header(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_hold_the_same_content() {
        let mut d = Document {
            title: "T & co".to_string(),
            blocks: Vec::new(),
        };
        d.push(Block::Paragraph("**a** is < b".to_string()));
        d.push(Block::Table(
            vec!["x".into(), "y".into()],
            vec![vec!["a|b".into(), "1".into()]],
        ));
        assert_eq!(
            d.markdown(),
            "# T & co\n\n**a** is < b\n\n| x | y |\n| --- | ---: |\n| a\\|b | 1 |\n\n"
        );
        let html = d.html();
        assert!(html.contains("<p><strong>a</strong> is &lt; b</p>"));
        assert!(html.contains("<td>a|b</td><td>1</td>"));
        assert!(html.contains("<title>T &amp; co</title>"));
    }

    #[test]
    fn a_name_in_a_paragraph_is_shown_as_written() {
        let name = "a|b<script>x</script>**_-1y";
        let mut d = Document::default();
        d.push(Block::Paragraph(format!(
            "**{} is cheapest**",
            literal(name)
        )));
        // CommonMark shows each backslash-escaped punctuation character as itself.
        assert_eq!(
            d.markdown(),
            "# \n\n**a\\|b\\<script\\>x\\</script\\>\\*\\*\\_-1y is cheapest**\n\n"
        );
        assert!(d.html().contains(
            "<p><strong>a|b&lt;script&gt;x&lt;/script&gt;**_-1y is cheapest</strong></p>"
        ));
    }

    #[test]
    fn a_cell_never_breaks_its_table() {
        let mut d = Document::default();
        d.push(Block::Table(
            vec!["name".into()],
            vec![vec!["a|b\nc\r\n<i>&\\".into()]],
        ));
        assert_eq!(
            d.markdown(),
            "# \n\n| name |\n| --- |\n| a\\|b<br>c<br>&lt;i&gt;&amp;\\\\ |\n\n"
        );
        assert!(
            d.html()
                .contains("<tr><td>a|b<br>c<br>&lt;i&gt;&amp;\\</td></tr>")
        );
    }
}
