//! What the page and the Markdown worker (`markdown-worker`) say to each other. The page
//! sends a [`Request`] (serde); the worker answers with an array whose slots are given
//! here: the request's `id`, then the note as HTML (for a render: [`html`], which the page
//! inserts as it is) or the new text (for a toggle). The worker first answers [`READY`]
//! alone: a message that arrives before its handler is set (its wasm loads
//! asynchronously) would be lost.

use crate::html::html;
use crate::markdown::{blocks, toggle_task};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    pub id: u32,
    pub text: String,
    /// Tick (or untick) this task and answer the new text, rather than the HTML.
    pub toggle: Option<usize>,
    /// Task boxes can be clicked (see [`html`]).
    #[serde(default)]
    pub interactive: bool,
}

/// The id of the reply that says the worker listens; requests count from 1.
pub const READY: u32 = 0;

/// Where a reply's parts are in the array the worker posts.
pub mod slot {
    pub const ID: u32 = 0;
    /// A render's HTML, or a toggle's new text (absent if there is no such task).
    pub const TEXT: u32 = 1;
}

/// The worker's whole job: the text for `slot::TEXT`.
pub fn answer(request: Request) -> Option<String> {
    match request.toggle {
        Some(task) => toggle_task(&request.text, task),
        None => Some(html(&blocks(&request.text), request.interactive)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_gets_the_html_or_the_ticked_text() {
        let request = |toggle, interactive| Request {
            id: 7,
            text: "- [ ] milk".into(),
            toggle,
            interactive,
        };
        assert_eq!(
            answer(request(None, true)),
            Some(html(&blocks("- [ ] milk"), true))
        );
        assert_eq!(
            answer(request(None, false)),
            Some(html(&blocks("- [ ] milk"), false))
        );
        assert_eq!(answer(request(Some(0), true)), Some("- [x] milk".into()));
        assert_eq!(answer(request(Some(1), true)), None);
    }
}
