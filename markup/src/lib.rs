//! A note's text, read as Markdown. [`tags`] finds its #tags (the server keeps them for
//! filtering; the SPA links them); [`markdown`] makes the safe tree of elements the SPA
//! shows, and [`html`] writes it for the page. pulldown-cmark does the reading for both; this crate holds no view code, so the
//! SPA can keep the parser out of its first download (it runs in a worker).

pub mod attachments;
pub mod html;
pub mod markdown;
pub mod tags;
pub mod worker;
