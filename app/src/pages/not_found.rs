use crate::routes::paths;
use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    super::browser::set_title("Page not found");
    view! {
        <section class="panel narrow not-found">
            <h1>"Page not found"</h1>
            <p>"There is no page at this address."</p>
            <p><a href=paths::NOTES>"Go to your notes"</a></p>
        </section>
    }
}
