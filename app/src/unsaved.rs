//! Text typed but not saved yet is not lost to a stray click. Forms say whether they
//! hold such text; leaving the tab (reload, close, another site) then gets the browser's
//! own question, and a link inside the app gets an in-page one.

use leptos::html::Button;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{Element, HtmlAnchorElement, MouseEvent, Url};
use leptos_router::hooks::use_navigate;

/// Each form's "holds unsaved text", by an id of its own, and the next id to give.
type Forms = (Vec<(u64, Signal<bool>)>, u64);

#[derive(Clone, Copy)]
struct Unsaved {
    /// Read only when someone is about to leave, so not reactive.
    forms: StoredValue<Forms>,
    /// Where a link followed while text was unsaved leads, until the person answers.
    leaving: RwSignal<Option<String>>,
}

impl Unsaved {
    fn any(self) -> bool {
        self.forms
            .with_value(|(forms, _)| forms.iter().any(|(_, dirty)| dirty.get_untracked()))
    }
}

/// Counts the calling form's text as unsaved whenever `dirty` says so, for as long as
/// the form is on the page.
pub fn warn_before_losing(dirty: impl Fn() -> bool + Send + Sync + 'static) {
    let Some(unsaved) = use_context::<Unsaved>() else {
        return;
    };
    let dirty = Signal::derive(dirty);
    let id = unsaved.forms.try_update_value(|(forms, next)| {
        *next += 1;
        forms.push((*next, dirty));
        *next
    });
    on_cleanup(move || {
        unsaved
            .forms
            .try_update_value(|(forms, _)| forms.retain(|(form, _)| Some(*form) != id));
    });
}

/// Sets up the question for the whole app. Call it before `<Router>` is built, so its
/// click listener runs before the router's, which leaves alone a click whose default is
/// prevented; render [`LeaveDialog`] once inside the router. (Window listeners do
/// nothing where the server lists the routes.)
pub fn provide() {
    let unsaved = Unsaved {
        forms: StoredValue::new((Vec::new(), 0)),
        leaving: RwSignal::new(None),
    };
    provide_context(unsaved);
    window_event_listener(leptos::ev::beforeunload, move |ev| {
        if unsaved.any() {
            // What browsers ask for to show their "Leave site?" question.
            ev.prevent_default();
            ev.set_return_value("");
        }
    });
    window_event_listener(leptos::ev::click, move |ev| {
        if let Some(to) = link_leaving_page(&ev)
            && unsaved.any()
        {
            ev.prevent_default();
            unsaved.leaving.set(Some(to));
        }
    });
}

/// Where a plain click on a link to another page of this site leads, as the router
/// would follow it.
fn link_leaving_page(ev: &MouseEvent) -> Option<String> {
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.alt_key()
        || ev.ctrl_key()
        || ev.shift_key()
    {
        return None;
    }
    let anchor: HtmlAnchorElement = ev
        .target()?
        .dyn_into::<Element>()
        .ok()?
        .closest("a[href]")
        .ok()??
        .dyn_into()
        .ok()?;
    if !anchor.target().is_empty() || anchor.has_attribute("download") {
        return None;
    }
    let url = Url::new(&anchor.href()).ok()?;
    let location = window().location();
    let here = [location.pathname().ok()?, location.search().ok()?].concat();
    let there = [url.pathname(), url.search()].concat();
    (location.origin().ok()? == url.origin() && there != here).then(|| there + &url.hash())
}

/// The in-page question, shown while a link waits for the person's answer.
#[component]
pub fn LeaveDialog() -> impl IntoView {
    let unsaved = expect_context::<Unsaved>();
    let navigate = use_navigate();
    let stay_button = NodeRef::<Button>::new();
    Effect::new(move |_| {
        if let Some(button) = stay_button.get() {
            let _ = button.focus();
        }
    });
    let stay = move || unsaved.leaving.set(None);
    let leave = move |_| {
        if let Some(to) = unsaved.leaving.get_untracked() {
            unsaved.leaving.set(None);
            navigate(&to, Default::default());
        }
    };
    move || {
        unsaved.leaving.with(Option::is_some).then(|| view! {
            <div class="backdrop" on:keydown=move |ev| if ev.key() == "Escape" { stay() }>
                <div
                    class="panel dialog"
                    role="alertdialog"
                    aria-modal="true"
                    aria-labelledby="leave-heading"
                    aria-describedby="leave-text"
                >
                    <h2 id="leave-heading">"Leave without saving?"</h2>
                    <p id="leave-text">
                        "Text you typed here has not been saved. It will be lost if you leave this page."
                    </p>
                    <div class="actions">
                        <button type="button" class="primary" node_ref=stay_button on:click=move |_| stay()>
                            "Stay on this page"
                        </button>
                        <button type="button" class="danger" on:click=leave.clone()>
                            "Leave"
                        </button>
                    </div>
                </div>
            </div>
        })
    }
}
