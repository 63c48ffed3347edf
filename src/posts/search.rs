//! Full-text search over published posts: title, tags, excerpt and body, ranked, with the
//! matched words marked in a snippet. SQLite uses FTS5 (bm25), PostgreSQL a weighted tsvector
//! (ts_rank); both read the same words out of the query, so both match the same posts.

use serde::{Deserialize, Serialize};

use super::PostCard;

/// Longest query accepted.
pub const MAX_QUERY_CHARS: usize = 200;
/// Words of a query that are used; the rest are ignored.
const MAX_TERMS: usize = 12;
/// How many of the newest matching posts are ranked. A word found in most posts would
/// otherwise rank every one of them on each search: with this bound a search costs the same
/// at 100,000 posts as at 1,000, and results stop after this many (ten pages).
#[cfg(feature = "ssr")]
const SEARCH_CANDIDATES: i64 = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    pub card: PostCard,
    /// Escaped text with `<mark>` around the matched words: safe to insert as HTML.
    pub snippet_html: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub next_cursor: Option<String>,
}

/// The words of a query: runs of letters and digits, lower-cased.
pub fn terms(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        // Lower case can bring a mark that is not a letter ("İ" is "i" and a combining dot):
        // kept, it would be a word the index never holds. Found by fuzzing.
        .map(|t| {
            t.to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
        .take(MAX_TERMS)
        .collect()
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::collections::HashMap;

    use super::{SearchHit, SearchResults, SEARCH_CANDIDATES};
    use crate::error::AppError;
    use crate::platform::db::{now, Db};
    use crate::posts::store::{CardRow, CARD_COLUMNS};
    use crate::with_db;

    /// Marks the server's text search puts around matches: private-use characters, which
    /// markdown text never produces (they are stripped when a post is saved).
    const MARK_START: char = '\u{E000}';
    const MARK_END: char = '\u{E001}';

    #[derive(sqlx::FromRow)]
    struct HitRow {
        #[sqlx(flatten)]
        card: CardRow,
        score: f64,
    }

    /// Results are ordered by (score, id), lower scores first; the cursor is the last pair.
    fn decode_cursor(raw: &str) -> Result<(f64, i64), AppError> {
        let invalid = || AppError::field("cursor", "This page link is not valid");
        let (score, id) = raw.rsplit_once('_').ok_or_else(invalid)?;
        let score: f64 = score.parse().map_err(|_| invalid())?;
        let id: i64 = id.parse().map_err(|_| invalid())?;
        if !score.is_finite() {
            return Err(invalid());
        }
        Ok((score, id))
    }

    pub async fn search(
        db: &Db,
        terms: &[String],
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<SearchResults, AppError> {
        if terms.is_empty() {
            return Ok(SearchResults {
                hits: Vec::new(),
                next_cursor: None,
            });
        }
        let (after_score, after_id) = match cursor {
            Some(raw) => decode_cursor(raw)?,
            None => (f64::MIN, i64::MIN),
        };
        // The backends differ in how a query is written and ranked; lower scores are better on
        // both (bm25 is, ts_rank is negated).
        let (query, sql) = match db {
            // Every word quoted: nothing the user types is an operator.
            // Ranked among the newest matches only: FTS5 hands them over in rowid order and
            // stops after the limit, so bm25 runs for at most SEARCH_CANDIDATES rows. The
            // visibility test reads the narrow posts_visible index, not the wide post rows;
            // card columns are read for the page shown alone.
            Db::Sqlite(_) => (
                fts5_query(terms),
                format!(
                    "SELECT {CARD_COLUMNS}, s.score
                     FROM (SELECT c.id, c.score
                           FROM (SELECT rowid AS id, bm25(posts_fts, 10.0, 4.0, 1.0, 8.0) AS score
                                 FROM posts_fts WHERE posts_fts MATCH $1
                                 ORDER BY rowid DESC LIMIT $6) c
                           WHERE EXISTS (SELECT 1 FROM posts v INDEXED BY posts_visible
                                         WHERE v.id = c.id AND {visible})
                             AND (c.score > $3 OR (c.score = $3 AND c.id > $4))
                           ORDER BY c.score, c.id
                           LIMIT $5) s
                     JOIN posts p ON p.id = s.id
                     JOIN users u ON u.id = p.author_id
                     ORDER BY s.score, s.id",
                    visible = crate::listed_post!(v, "$2"),
                ),
            ),
            // The same on PostgreSQL: the GIN index finds the matches, the newest
            // SEARCH_CANDIDATES of them are ranked.
            Db::Postgres(_) => (
                tsquery(terms),
                format!(
                    "SELECT {CARD_COLUMNS}, s.score
                     FROM (SELECT c.id, c.score
                           FROM (SELECT m.id, (-ts_rank(m.search_vector, q.query, 1))::float8 AS score
                                 FROM (SELECT p.id, p.search_vector
                                       FROM posts p
                                       WHERE p.search_vector @@ to_tsquery('english', $1)
                                         AND {visible}
                                       ORDER BY p.id DESC LIMIT $6) m,
                                      to_tsquery('english', $1) AS q (query)) c
                           WHERE (c.score, c.id) > ($3, $4)
                           ORDER BY c.score, c.id
                           LIMIT $5) s
                     JOIN posts p ON p.id = s.id
                     JOIN users u ON u.id = p.author_id
                     ORDER BY s.score, s.id",
                    visible = crate::listed_post!(p, "$2"),
                ),
            ),
        };
        let rows: Vec<HitRow> = with_db!(db, |pool| {
            sqlx::query_as(&sql)
                .bind(&query)
                .bind(now())
                .bind(after_score)
                .bind(after_id)
                .bind(limit + 1)
                .bind(SEARCH_CANDIDATES)
                .fetch_all(pool)
                .await
        })?;
        // Snippets only for the page shown, not for every match.
        let ids: Vec<i64> = rows
            .iter()
            .take(limit as usize)
            .map(|r| r.card.id)
            .collect();
        let snippets: Vec<(i64, String)> = match db {
            _ if ids.is_empty() => Vec::new(),
            Db::Sqlite(pool) => {
                let placeholders: Vec<String> =
                    (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
                let sql = format!(
                    "SELECT rowid, snippet(posts_fts, -1, char(57344), char(57345), '…', 24)
                     FROM posts_fts WHERE posts_fts MATCH $1 AND rowid IN ({})",
                    placeholders.join(", ")
                );
                let mut snippets = sqlx::query_as(&sql).bind(&query);
                for id in &ids {
                    snippets = snippets.bind(id);
                }
                snippets.fetch_all(pool).await?
            }
            Db::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT id, ts_headline('english', title || E'\\n' || body_text,
                                            to_tsquery('english', $1), $3)
                     FROM posts WHERE id = ANY($2)",
                )
                .bind(&query)
                .bind(&ids)
                .bind(format!(
                    "StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \""
                ))
                .fetch_all(pool)
                .await?
            }
        };
        let mut snippets: HashMap<i64, String> = snippets.into_iter().collect();
        let has_more = rows.len() as i64 > limit;
        let rows: Vec<HitRow> = rows.into_iter().take(limit as usize).collect();
        let next_cursor = has_more
            .then(|| rows.last().map(|r| format!("{:?}_{}", r.score, r.card.id)))
            .flatten();
        let hits = rows
            .into_iter()
            .map(|row| {
                let snippet = snippets.remove(&row.card.id).unwrap_or_default();
                let card = row.card.into_card();
                SearchHit {
                    snippet_html: marked_html(&snippet),
                    card,
                }
            })
            .collect();
        Ok(SearchResults { hits, next_cursor })
    }

    /// The FTS5 query for the words of a search (as [`super::terms`] reads them): every word
    /// quoted, so nothing the user types is an operator, and all of them required.
    pub fn fts5_query(terms: &[String]) -> String {
        terms
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The `to_tsquery` text for the words of a search: all of them required. Each word is
    /// quoted so that no character of it is read as an operator.
    pub fn tsquery(terms: &[String]) -> String {
        terms
            .iter()
            .map(|t| format!("'{}'", t.replace(['\\', '\''], "")))
            .filter(|t| t.len() > 2)
            .collect::<Vec<_>>()
            .join(" & ")
    }

    /// Escapes the snippet, then turns the search marks into balanced `<mark>` tags.
    pub fn marked_html(snippet: &str) -> String {
        let mut html = String::with_capacity(snippet.len() + 32);
        let mut open = false;
        for c in snippet.chars() {
            match c {
                MARK_START if !open => {
                    html.push_str("<mark>");
                    open = true;
                }
                MARK_END if open => {
                    html.push_str("</mark>");
                    open = false;
                }
                MARK_START | MARK_END => {}
                '<' => html.push_str("&lt;"),
                '>' => html.push_str("&gt;"),
                '&' => html.push_str("&amp;"),
                '"' => html.push_str("&quot;"),
                '\'' => html.push_str("&#39;"),
                c => html.push(c),
            }
        }
        if open {
            html.push_str("</mark>");
        }
        html
    }

    #[cfg(test)]
    mod tests {
        use super::super::terms;
        use super::marked_html;

        #[test]
        fn query_words_are_letters_and_digits_only() {
            // Found by fuzzing: "İ" lower-cased is "i" and U+0307, which is no letter.
            assert_eq!(
                terms("İstanbul, ΣΊΣΥΦΟΣ! C++"),
                ["istanbul", "σίσυφος", "c"]
            );
        }

        #[test]
        fn snippets_are_escaped_and_marks_balanced() {
            assert_eq!(
                marked_html("a \u{E000}<b>\u{E001} & \u{E000}x"),
                "a <mark>&lt;b&gt;</mark> &amp; <mark>x</mark>"
            );
            assert_eq!(marked_html("\u{E001}stray"), "stray");
        }
    }
}
