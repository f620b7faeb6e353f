//! What a page does to the browser beyond its own view: the tab's title, and moving on
//! without a history entry.

/// The tab's title: the page's, then the app's name.
pub(super) fn set_title(title: &str) {
    leptos::prelude::document().set_title(&[title, " · Notes"].concat());
}

/// Moves on to `path` in place of this page's history entry, so Back does not return to
/// a page whose purpose is over.
pub(super) fn replace_with(navigate: impl Fn(&str, leptos_router::NavigateOptions), path: &str) {
    let options = leptos_router::NavigateOptions {
        replace: true,
        ..Default::default()
    };
    navigate(path, options);
}
