//! Times and sizes as people read them.

use leptos::wasm_bindgen::JsValue;

/// An RFC 3339 time as `write` puts it in the reader's locale and time zone (the whole
/// time, `Date::to_locale_string`, or its day, `Date::to_locale_date_string`); the text
/// as it came when it is not a time.
pub fn in_reader_locale(
    rfc3339: &str,
    write: fn(&js_sys::Date, &str, &JsValue) -> js_sys::JsString,
) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    write(&date, "default", &JsValue::UNDEFINED).into()
}

/// A size as people read one: "812 B", "14 KB", "3.2 MB" (powers of 1,000, as the
/// browser's downloads and file managers count).
pub fn in_bytes(bytes: f64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let (mut size, mut unit) = (bytes, 0);
    while size >= 999.95 && unit + 1 < UNITS.len() {
        size /= 1000.0;
        unit += 1;
    }
    if unit == 0 || size >= 9.95 {
        format!("{} {}", size.round(), UNITS[unit])
    } else {
        format!("{size:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::in_bytes;

    #[test]
    fn sizes_read_in_the_largest_unit_that_fits() {
        let read = [
            (0.0, "0 B"),
            (812.0, "812 B"),
            (999.0, "999 B"),
            (1000.0, "1.0 KB"),
            (14_300.0, "14 KB"),
            (3_240_000.0, "3.2 MB"),
            (9_990_000.0, "10 MB"),
            (999_990_000.0, "1.0 GB"),
            (5e12, "5000 GB"),
        ];
        for (bytes, text) in read {
            assert_eq!(in_bytes(bytes), text, "{bytes} bytes");
        }
    }
}
