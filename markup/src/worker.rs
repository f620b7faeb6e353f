//! What the page and the Markdown worker (`markdown-worker`) say to each other: the page
//! sends a [`Request`] and gets back the [`Reply`] with the same `id`. One definition for
//! both sides, so they cannot drift. The worker first says [`READY`]: a message that
//! arrives before its handler is set (its wasm loads asynchronously) would be lost.

use crate::markdown::{Node, blocks, toggle_task};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    pub id: u32,
    pub text: String,
    /// Tick (or untick) this task and answer the new text, rather than the tree.
    pub toggle: Option<usize>,
}

/// The id of the reply that says the worker listens; requests count from 1.
pub const READY: u32 = 0;

#[derive(Debug, Serialize, Deserialize)]
pub struct Reply {
    pub id: u32,
    pub nodes: Option<Vec<Node>>,
    pub text: Option<String>,
}

/// The worker's whole job.
pub fn answer(request: Request) -> Reply {
    match request.toggle {
        Some(task) => Reply {
            id: request.id,
            nodes: None,
            text: toggle_task(&request.text, task),
        },
        None => Reply {
            id: request.id,
            nodes: Some(blocks(&request.text)),
            text: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_gets_the_tree_or_the_ticked_text_under_its_id() {
        let tree = answer(Request {
            id: 7,
            text: "- [ ] milk".into(),
            toggle: None,
        });
        assert_eq!(tree.id, 7);
        assert_eq!(tree.nodes, Some(blocks("- [ ] milk")));
        let ticked = answer(Request {
            id: 8,
            text: "- [ ] milk".into(),
            toggle: Some(0),
        });
        assert_eq!((ticked.id, ticked.text.as_deref()), (8, Some("- [x] milk")));
        assert_eq!(ticked.nodes, None);
    }
}
