//! What the server announces of the person's changes (`GET /api/events/`), as this tab
//! sees it: a count the pages reload on, and each note's newest version. The stream that
//! brings them is one per browser, in a chunk of its own (`stream`), loaded at start.

use leptos::prelude::*;
thread_local! {
    static HEARD: ArcRwSignal<u32> = ArcRwSignal::new(0);
    // Few notes change while a tab is open: a list is smaller code than a map.
    static VERSIONS: ArcRwSignal<Vec<(i64, i64)>> = ArcRwSignal::new(Vec::new());
}

/// Counts the changes heard; tracked.
pub fn heard() -> u32 {
    HEARD.with(|heard| heard.get())
}

/// The newest version of note `id` heard of; tracked.
pub fn announced(id: i64) -> Option<i64> {
    VERSIONS.with(|versions| {
        versions.with(|v| {
            v.iter()
                .find(|(note, _)| *note == id)
                .map(|(_, version)| *version)
        })
    })
}

/// Something changed: the pages showing it reload. With `note`, its id and new version.
pub fn changed(note: Option<(i64, i64)>) {
    if let Some((id, version)) = note {
        VERSIONS.with(|versions| {
            versions.update(|v| match v.iter_mut().find(|(note, _)| *note == id) {
                Some((_, newest)) => *newest = (*newest).max(version),
                None => v.push((id, version)),
            })
        });
    }
    HEARD.with(|heard| heard.update(|n| *n = n.wrapping_add(1)));
}
