//! What every form shows besides its fields: each field's errors beside it, one
//! form-level message, and whether a request is under way.

use crate::client::ClientError;
use crate::errors::{FieldErrors, NON_FIELD_ERRORS};
use leptos::html::Input;
use leptos::prelude::*;

#[derive(Debug, Clone, Copy)]
pub struct FormState {
    pub errors: RwSignal<FieldErrors>,
    pub message: RwSignal<Option<String>>,
    pub busy: RwSignal<bool>,
}

impl FormState {
    pub fn new() -> Self {
        Self {
            errors: RwSignal::new(FieldErrors::default()),
            message: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }

    /// Shows what the form's own checks found. `true` when there was nothing, and the
    /// form is then marked busy for its request.
    pub fn begin(&self, found: FieldErrors) -> bool {
        self.message.set(None);
        let clean = found.is_empty();
        self.errors.set(found);
        self.busy.set(clean);
        clean
    }

    /// Shows the server's refusal: field errors beside their fields, anything else in
    /// the form-level message.
    pub fn fail(&self, error: ClientError) {
        self.busy.set(false);
        match error {
            ClientError::Fields(fields) => {
                // `non_field_errors` may stay in the map: no field is named so.
                let general = fields.get(NON_FIELD_ERRORS);
                self.message
                    .set((!general.is_empty()).then(|| general.join(" ")));
                self.errors.set(fields);
            }
            other => self.message.set(Some(other.message())),
        }
    }

    pub fn done(&self) {
        self.busy.set(false);
        self.errors.set(FieldErrors::default());
        self.message.set(None);
    }

    pub fn has_error(&self, field: &str) -> bool {
        self.errors.with(|e| !e.get(field).is_empty())
    }

    /// The value of `aria-invalid` for `field`.
    pub fn invalid(self, field: &'static str) -> impl Fn() -> &'static str + Copy {
        move || {
            if self.has_error(field) {
                "true"
            } else {
                "false"
            }
        }
    }

    /// The first field, in the order given, that has an error.
    pub fn first_invalid<'a>(&self, order: &[&'a str]) -> Option<&'a str> {
        order.iter().copied().find(|f| self.has_error(f))
    }
}

/// The errors of one field, referenced by the field's `aria-describedby`.
#[component]
pub fn FieldError(form: FormState, field: &'static str, id: String) -> impl IntoView {
    view! {
        <p class="field-error" id=id>
            {move || form.errors.with(|e| e.get(field).join(" "))}
        </p>
    }
}

/// The form-level message, announced when it appears.
#[component]
pub fn FormMessage(form: FormState) -> impl IntoView {
    view! {
        <p class="form-message" class:is-empty=move || form.message.with(Option::is_none) role="alert">
            {move || form.message.get()}
        </p>
    }
}

/// A labelled one-line input with its hint and errors. Every such field of the app is
/// this one component, which keeps the wasm small: each distinct view costs code.
#[component]
pub fn TextField(
    form: FormState,
    /// The field's key in the server's error body.
    field: &'static str,
    id: String,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(default = None)] hint: Option<&'static str>,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] autofocus: bool,
    #[prop(optional)] node_ref: NodeRef<Input>,
) -> impl IntoView {
    let hint_id = [&id, "-hint"].concat();
    let error_id = [&id, "-error"].concat();
    let described_by = match hint {
        Some(_) => [&hint_id, " ", &error_id].concat(),
        None => error_id.clone(),
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=field
                type=kind
                autocomplete=autocomplete
                autocapitalize=(kind == "text").then_some("none")
                spellcheck=(kind == "text").then_some("false")
                maxlength=maxlength.map(|n| n.to_string())
                autofocus=autofocus
                node_ref=node_ref
                bind:value=value
                aria-invalid=form.invalid(field)
                aria-describedby=described_by
            />
            {hint.map(|text| view! { <p class="hint" id=hint_id>{text}</p> })}
            <FieldError form field id=error_id />
        </div>
    }
}

/// A form's submit button: disabled, with a progress label, while the request is out.
#[component]
pub fn SubmitButton(
    form: FormState,
    label: &'static str,
    busy_label: &'static str,
    #[prop(default = "primary")] class: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=class disabled=move || form.busy.get()>
            {move || if form.busy.get() { busy_label } else { label }}
        </button>
    }
}

/// "Are you sure?" inside the page, for what cannot be undone: the question, the button
/// that does it, and the one that does not (`cancel_ref` lets the caller focus it).
#[component]
pub fn ConfirmForm(
    form: FormState,
    question: &'static str,
    label: &'static str,
    busy_label: &'static str,
    cancel_label: &'static str,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
    #[prop(optional)] cancel_ref: NodeRef<leptos::html::Button>,
) -> impl IntoView {
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if form.begin(FieldErrors::default()) {
            on_confirm.run(());
        }
    };
    view! {
        <form class="confirm" on:submit=submit aria-label=question>
            <p>{question}</p>
            <FormMessage form />
            <div class="actions">
                <SubmitButton form label busy_label />
                <button type="button" node_ref=cancel_ref on:click=move |_| on_cancel.run(())>
                    {cancel_label}
                </button>
            </div>
        </form>
    }
}

/// A request that failed, and a way to send it again.
#[component]
pub fn RetryPanel(message: String, on_retry: Callback<()>) -> impl IntoView {
    view! {
        <div class="panel" role="alert">
            <p>{message}</p>
            <button type="button" on:click=move |_| on_retry.run(())>"Try again"</button>
        </div>
    }
}
