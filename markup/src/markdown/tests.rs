//! Markdown as the page gets it: the tree `blocks` makes, written by `html`.

use super::*;
use crate::html::ALLOWED;

/// What links out of the app always carry (`html`'s own tests read it); left out of
/// the expectations here so they stay short.
const LINK_OUT: &str = " target=\"_blank\" rel=\"noopener noreferrer\"";

/// The tree as the page gets it.
fn html(markdown: &str) -> String {
    crate::html::html(&blocks(markdown), true).replace(LINK_OUT, "")
}

/// Every text of the tree, in order.
fn text(nodes: &[Node]) -> String {
    let mut out = String::new();
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => out.push_str(&text(&e.children)),
        }
    }
    out
}

/// Calls `each` on every element, and returns the tree's depth.
fn walk(nodes: &[Node], each: &mut dyn FnMut(&Tag)) -> usize {
    let mut deepest = 0;
    for node in nodes {
        if let Node::Element(Element { tag, children }) = node {
            each(tag);
            deepest = deepest.max(1 + walk(children, each));
        }
    }
    deepest
}

/// Only allowed elements, only followable or tag links; returns the tree's depth.
fn assert_safe(nodes: &[Node]) -> usize {
    walk(nodes, &mut |tag| {
        assert!(
            ALLOWED.contains(&tag.name()) || tag.name() == "input",
            "{tag:?}"
        );
        match tag {
            Tag::A { href } => {
                let scheme = href.split(':').next().unwrap().to_ascii_lowercase();
                assert!(
                    ["http", "https", "mailto"].contains(&scheme.as_str()),
                    "{href}"
                );
            }
            Tag::TagLink { .. } => assert!(tag.href().unwrap().starts_with("/?tag=")),
            Tag::File { id } | Tag::Picture { id } => {
                assert!(crate::attachments::is_id(id), "{id}")
            }
            _ => assert_eq!(tag.href(), None),
        }
    })
}

fn links(markdown: &str) -> Vec<String> {
    let mut found = Vec::new();
    walk(&blocks(markdown), &mut |tag| found.extend(tag.href()));
    found
}

#[test]
fn markdown_becomes_the_allowed_elements() {
    assert_eq!(
        html("# Title\n\nSome *em*, **strong**, ~~gone~~ and `code`.\n\n## Two\n\n### Three"),
        "<h4>Title</h4><p>Some <em>em</em>, <strong>strong</strong>, <del>gone</del> \
         and <code>code</code>.</p><h5>Two</h5><h6>Three</h6>"
    );
    assert_eq!(
        html("> quoted\n\n---\n\n3. three\n4. four\n\n- a\n- b"),
        "<blockquote><p>quoted</p></blockquote><hr><ol start=\"3\"><li>three</li>\
         <li>four</li></ol><ul><li>a</li><li>b</li></ul>"
    );
    assert_eq!(
        html("```rust\nfn main() {}\n```"),
        "<pre><code>fn main() {}\n</code></pre>"
    );
    assert_eq!(html("###### six"), "<h6>six</h6>");
}

#[test]
fn a_line_break_in_a_paragraph_stays_a_line_break() {
    assert_eq!(html("one\ntwo  \nthree"), "<p>one<br>two<br>three</p>");
}

#[test]
fn tables_have_a_head_a_body_and_aligned_cells() {
    assert_eq!(
        html("| a | b | c | d |\n|:-|:-:|-:|-|\n| 1 | 2 | 3 | 4 |\n| 5 |"),
        "<table><thead><tr><th class=\"align-left\">a</th><th class=\"align-center\">b</th>\
         <th class=\"align-right\">c</th><th>d</th></tr></thead><tbody>\
         <tr><td class=\"align-left\">1</td><td class=\"align-center\">2</td>\
         <td class=\"align-right\">3</td><td>4</td></tr>\
         <tr><td class=\"align-left\">5</td><td class=\"align-center\"></td>\
         <td class=\"align-right\"></td><td></td></tr></tbody></table>"
    );
    assert_eq!(
        html("| only |\n| - |"),
        "<table><thead><tr><th>only</th></tr></thead></table>"
    );
}

#[test]
fn tasks_are_numbered_checkboxes_named_after_their_words() {
    assert_eq!(
        html("- [ ] ring the *bank*\n- [x] done\n  - [X] nested\n- plain"),
        "<ul><li class=\"task\"><input type=\"checkbox\" aria-label=\"ring the bank\" \
         data-task=\"0\">ring the <em>bank</em></li><li class=\"task\"><input \
         type=\"checkbox\" aria-label=\"done\" data-task=\"1\" checked>done<ul><li \
         class=\"task\"><input type=\"checkbox\" aria-label=\"nested\" data-task=\"2\" \
         checked>nested</li></ul></li><li>plain</li></ul>"
    );
    let labels = |markdown: &str| {
        let mut found = Vec::new();
        walk(&blocks(markdown), &mut |tag| {
            if let Tag::Checkbox { label, .. } = tag {
                found.push(label.clone());
            }
        });
        found
    };
    assert_eq!(
        labels("- [ ] ring the *bank*\n- [x] done\n  - [X] nested\n- [ ] ` `"),
        ["ring the bank", "done", "nested", "Task"]
    );
    // A loose list: the checkbox is in the item's first paragraph.
    assert_eq!(
        html("- [ ] a\n\n- [x] b\n"),
        "<ul><li class=\"task\"><p><input type=\"checkbox\" aria-label=\"a\" \
         data-task=\"0\">a</p></li><li class=\"task\"><p><input type=\"checkbox\" \
         aria-label=\"b\" data-task=\"1\" checked>b</p></li></ul>"
    );
    assert_eq!(labels("- [ ] a\n\n  more\n\n- [x] b\n"), ["a more", "b"]);
    // Not a task: the brackets are text.
    assert_eq!(html("[ ] no list"), "<p>[ ] no list</p>");
}

#[test]
fn ticking_a_task_changes_its_marker_and_nothing_else() {
    let note = "Shopping #list\n\n- [ ] milk\n- [x] eggs\n* [X] bread\n\n`- [ ] code`\n";
    assert_eq!(
        toggle_task(note, 0).unwrap(),
        note.replacen("- [ ] milk", "- [x] milk", 1)
    );
    assert_eq!(
        toggle_task(note, 1).unwrap(),
        note.replacen("- [x] eggs", "- [ ] eggs", 1)
    );
    assert_eq!(
        toggle_task(note, 2).unwrap(),
        note.replacen("* [X] bread", "* [ ] bread", 1)
    );
    assert_eq!(toggle_task(note, 3), None);
    assert_eq!(toggle_task("no tasks", 0), None);
    assert_eq!(toggle_task("", 0), None);

    let crlf = "a\r\n\r\n1. [ ] one\r\n   - [ ] two \r\n> - [x] quoted\r\n";
    let ticked = toggle_task(crlf, 1).unwrap();
    assert_eq!(ticked, crlf.replacen("- [ ] two", "- [x] two", 1));
    assert_eq!(toggle_task(&ticked, 1).unwrap(), crlf);
    assert_eq!(
        toggle_task(crlf, 2).unwrap(),
        crlf.replacen("[x] quoted", "[ ] quoted", 1)
    );
    assert_eq!(
        toggle_task("- [\t] tab", 0).unwrap(),
        "- [x] tab",
        "a tab is an empty box too"
    );
}

#[test]
fn a_checkbox_index_is_the_index_toggle_task_changes() {
    let note = "- [ ] a\n  > - [ ] b\n\n| t |\n| - |\n| x |\n\n1. [x] c\n";
    let mut indexes = Vec::new();
    walk(&blocks(note), &mut |tag| {
        if let Tag::Checkbox { index, checked, .. } = tag {
            indexes.push((*index, *checked));
        }
    });
    assert_eq!(indexes, [(0, false), (1, false), (2, true)]);
    for (index, checked) in indexes {
        let toggled = blocks(&toggle_task(note, index).unwrap());
        walk(&toggled, &mut |tag| {
            if let Tag::Checkbox {
                index: i,
                checked: c,
                ..
            } = tag
            {
                assert_eq!(*c, if *i == index { !checked } else { *c });
            }
        });
    }
}

#[test]
fn tags_in_the_words_become_links_to_their_notes() {
    assert_eq!(
        html("Plan #work/meetings and #Café, not #42 nor a#b"),
        "<p>Plan <a class=\"tag\" href=\"/?tag=work%2Fmeetings\">#work/meetings</a> and \
         <a class=\"tag\" href=\"/?tag=Caf%C3%A9\">#Café</a>, not #42 nor a#b</p>"
    );
    assert_eq!(
        html("**#bold** - [ ] x"),
        "<p><strong><a class=\"tag\" href=\"/?tag=bold\">#bold</a></strong> - [ ] x</p>"
    );
    // As `tags` reads them: nothing inside code, links, images or raw HTML.
    for text in [
        "`#code`",
        "```\n#fenced\n```",
        "    #indented",
        "[#linked](https://example.com)",
        "[#refused](javascript:x)",
        "![#alt](https://example.com/a.png)",
        "<https://example.com/#top>",
        "<span>#not</span>",
        "`code`#glued",
        "# Heading",
    ] {
        assert!(
            !html(text).contains("class=\"tag\""),
            "{text}: {}",
            html(text)
        );
    }
}

#[test]
fn the_renderer_links_exactly_the_tags_that_tags_finds() {
    let note = "#a b#c #d/ `#e` [#f](https://x.org) #G **#h**#i <b>#j</b> #42 #k//l\n\
                - [ ] #m\n\n| #n |\n| - |\n\n> #o\n\n    #p\n\n*x*#q";
    let mut linked = Vec::new();
    walk(&blocks(note), &mut |tag| {
        if let Tag::TagLink { name } = tag {
            linked.push(name.clone());
        }
    });
    assert_eq!(linked, crate::tags::tags(note));
}

#[test]
fn links_open_in_a_new_tab_and_only_to_the_web_or_mail() {
    assert_eq!(
        html("[site](https://example.com/a?b=1&c=2 \"title\")"),
        "<p><a href=\"https://example.com/a?b=1&amp;c=2\">site</a></p>"
    );
    assert_eq!(
        links("[a](HTTP://x.org) [b](mailto:me@x.org) <me@x.org> <https://x.org/p>"),
        [
            "HTTP://x.org",
            "mailto:me@x.org",
            "mailto:me@x.org",
            "https://x.org/p"
        ]
    );
    assert_eq!(
        links("[r]: https://ref.example\n\nSee [the ref][r]."),
        ["https://ref.example"]
    );
    // Relative links would lead into the app: text only.
    assert_eq!(
        html("[home](/account) [up](../x) [frag](#top)"),
        "<p>home up frag</p>"
    );
}

#[test]
fn images_are_links_to_them_and_never_loaded() {
    assert_eq!(
        html("![a cat](https://example.com/cat.png)"),
        "<p><a href=\"https://example.com/cat.png\">a cat</a></p>"
    );
    assert_eq!(
        html("![](https://example.com/cat.png)"),
        "<p><a href=\"https://example.com/cat.png\">https://example.com/cat.png</a></p>"
    );
    assert_eq!(html("![local](cat.png)"), "<p>local</p>");
    assert_eq!(html("![](cat.png)"), "<p>cat.png</p>");
    // Inside a link it is that link's text: no link in a link.
    assert_eq!(
        html("[![badge](https://img.example/b.svg)](https://example.com)"),
        "<p><a href=\"https://example.com\">badge</a></p>"
    );
}

#[test]
fn addresses_in_the_words_become_links() {
    assert_eq!(
        html("See https://example.com/a_(b). Or http://x.org/?q=1, then (https://y.org)!"),
        "<p>See <a href=\"https://example.com/a_(b)\">https://example.com/a_(b)</a>. \
         Or <a href=\"http://x.org/?q=1\">http://x.org/?q=1</a>, then \
         (<a href=\"https://y.org\">https://y.org</a>)!</p>"
    );
    assert_eq!(
        links("HTTPS://x.org/#frag \"https://q.org\" https://a.org/?a=1&amp;b=2"),
        [
            "HTTPS://x.org/#frag",
            "https://q.org",
            "https://a.org/?a=1&b=2"
        ]
    );
    for text in [
        "xhttps://glued.org",
        "https:// nothing",
        "https://",
        "ftp://x.org",
        "`https://code.org`",
        "```\nhttps://fenced.org\n```",
        "[text https://in.link](https://x.org)",
    ] {
        let found = links(text);
        assert!(
            found.iter().all(|l| l == "https://x.org"),
            "{text}: {found:?}"
        );
    }
}

#[test]
fn raw_html_is_shown_as_the_text_it_is() {
    let block = blocks("<script>alert(1)</script>");
    assert_safe(&block);
    assert_eq!(
        html("<script>alert(1)</script>"),
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    );
    let inline = blocks("Hi <script>alert(1)</script> there");
    assert_safe(&inline);
    assert_eq!(text(&inline), "Hi <script>alert(1)</script> there");
    assert_eq!(
        html("<img src=x onerror=alert(1)>"),
        "<p>&lt;img src=x onerror=alert(1)&gt;</p>"
    );
    assert_eq!(
        html("<div><b>unclosed\n<i>two lines\n\nafter"),
        "<p>&lt;div&gt;&lt;b&gt;unclosed<br>&lt;i&gt;two lines</p><p>after</p>"
    );
    assert_eq!(
        html("&lt;script&gt; &#60;b&#62;"),
        "<p>&lt;script&gt; &lt;b&gt;</p>"
    );
}

#[test]
fn no_scheme_but_the_webs_and_mails_becomes_a_link() {
    for attack in [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x]( javascript:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;avascript&colon;alert(1))",
        "[x](java\\script:alert(1))",
        "[x](jav&#x09;ascript:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
        "[x](file:///etc/passwd)",
        "[x]: javascript:alert(1)\n\n[x]",
        "<javascript:alert(1)>",
    ] {
        let tree = blocks(attack);
        assert_safe(&tree);
        assert_eq!(links(attack), Vec::<String>::new(), "{attack}");
        assert!(
            text(&tree).contains('x') || attack.starts_with('<'),
            "{attack}"
        );
    }
    for attack in [
        "![a](javascript:alert(1))",
        "![a](JAVASCRIPT:alert(1))",
        "![a](data:image/svg+xml,<svg onload=alert(1)>)",
    ] {
        let tree = blocks(attack);
        assert_safe(&tree);
        assert_eq!(links(attack), Vec::<String>::new(), "{attack}");
        assert!(["a", attack].contains(&text(&tree).as_str()), "{attack}");
    }
}

#[test]
fn broken_markup_stays_text() {
    // CommonMark's reading of unbalanced delimiters, whatever it is, as elements.
    assert_eq!(html("**bold *em**"), "<p>*<em>bold <em>em</em></em></p>");
    assert_eq!(
        html("*a **b* c**"),
        "<p><em>a <em><em>b</em> c</em></em></p>"
    );
    assert_eq!(
        html("[unclosed link(https://x.org"),
        "<p>[unclosed link(<a href=\"https://x.org\">https://x.org</a></p>"
    );
    for note in [
        "<",
        "&",
        "[",
        "![",
        "```",
        "| a |\n| - |\n| b | c | d |",
        "- [ ]",
        "> ",
        "\u{0}",
    ] {
        assert_safe(&blocks(note));
    }
}

#[test]
fn deep_nesting_is_flattened_not_a_stack_overflow() {
    for note in [
        format!("{} deep", ">".repeat(10_000)),
        format!("{}deep", "- ".repeat(10_000)),
        format!(
            "{}deep{}",
            "[".repeat(10_000),
            "](https://x.org)".repeat(10_000)
        ),
        format!("{}deep{}", "*".repeat(10_000), "*".repeat(10_000)),
        format!("{}deep{}", "**a ".repeat(5_000), " b**".repeat(5_000)),
        format!("{}deep{}", "<b>".repeat(10_000), "</b>".repeat(10_000)),
        "> - ".repeat(5_000) + "[ ] deep",
    ] {
        let tree = blocks(&note);
        let depth = assert_safe(&tree);
        assert!(depth <= MAX_DEPTH + 2, "{depth}");
        // The page builds its views by recursion over this tree: bounded too.
        assert!(text(&tree).contains("deep"));
    }
}

#[test]
fn links_are_whole_web_addresses_or_nothing() {
    assert_eq!(safe_href(" https://x.org "), Some("https://x.org"));
    assert_eq!(safe_href("MAILTO:a@b.c"), Some("MAILTO:a@b.c"));
    for refused in [
        "javascript:alert(1)",
        "\u{0}javascript:alert(1)",
        "xhttps://x.org",
        "/relative:with-colon",
        "//x.org",
        "",
        "https",
    ] {
        assert_eq!(safe_href(refused), None, "{refused:?}");
    }
    assert_eq!(tag_href("a b&c=d/e"), "/?tag=a%20b%26c%3Dd%2Fe");
}
